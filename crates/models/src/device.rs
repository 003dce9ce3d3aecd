//! Our own device type, so `tch::Device` never appears in public signatures, plus the global
//! libtorch knobs (seed, threads). Everything here compiles without the `tch` feature, where it
//! always means the CPU.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where a network trains and predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// The CPU.
    #[default]
    Cpu,
    /// CUDA device with this ordinal; an error at fit time if it is not available.
    Cuda(usize),
    /// CUDA device 0 if available, else the CPU.
    CudaIfAvailable,
}

impl Device {
    /// Resolves [`Device::CudaIfAvailable`] to a concrete device.
    #[must_use]
    pub fn resolve(self) -> Self {
        match self {
            Self::CudaIfAvailable => cuda_if_available(),
            d => d,
        }
    }

    #[cfg(feature = "tch")]
    pub(crate) fn to_tch(self) -> Result<tch::Device> {
        match self.resolve() {
            Self::Cpu | Self::CudaIfAvailable => Ok(tch::Device::Cpu),
            Self::Cuda(i) => {
                if i < cuda_device_count() {
                    Ok(tch::Device::Cuda(i))
                } else {
                    Err(Error::CudaUnavailable(i))
                }
            }
        }
    }

    /// Checks the device exists in this build and on this machine.
    ///
    /// # Errors
    /// [`Error::CudaUnavailable`] for a CUDA ordinal that is not present (always, without the
    /// `tch` feature).
    pub fn check(self) -> Result<Self> {
        match self.resolve() {
            Self::Cuda(i) if i >= cuda_device_count() => Err(Error::CudaUnavailable(i)),
            d => Ok(d),
        }
    }
}

/// CUDA device 0 when libtorch sees a GPU, else the CPU (always the CPU without `tch`).
#[must_use]
pub fn cuda_if_available() -> Device {
    if cuda_device_count() > 0 {
        Device::Cuda(0)
    } else {
        Device::Cpu
    }
}

/// Number of CUDA devices libtorch sees (0 without the `tch` feature).
#[must_use]
pub fn cuda_device_count() -> usize {
    #[cfg(feature = "tch")]
    {
        if tch::Cuda::is_available() {
            usize::try_from(tch::Cuda::device_count()).unwrap_or(0)
        } else {
            0
        }
    }
    #[cfg(not(feature = "tch"))]
    {
        0
    }
}

/// Seeds libtorch's global generators (CPU and CUDA). Seeds are process-global in libtorch:
/// networks trained concurrently in several threads are not reproducible. Fitting a network
/// calls this with its `seed` hyperparameter. A no-op without the `tch` feature.
pub fn seed(seed: u64) {
    #[cfg(feature = "tch")]
    {
        tch::manual_seed(i64::from_ne_bytes(seed.to_ne_bytes()));
    }
    #[cfg(not(feature = "tch"))]
    {
        let _ = seed;
    }
}

/// Sets libtorch's intra-op thread count (process-global). For per-asset parallel training
/// from rayon, use 1 and parallelise in Rust. A no-op without the `tch` feature.
pub fn set_threads(n: usize) {
    #[cfg(feature = "tch")]
    {
        tch::set_num_threads(i32::try_from(n.max(1)).unwrap_or(i32::MAX));
    }
    #[cfg(not(feature = "tch"))]
    {
        let _ = n;
    }
}
