//! Neural networks on libtorch: configuration (always compiled) and the tch implementation
//! (feature `tch`).

mod config;
#[cfg(feature = "tch")]
mod torch;

pub use config::{
    Activation, Control, EpochHook, EpochReport, LstmParams, LstmValidParams, MlpParams,
    MlpValidParams, NoHook, Task, TrainConfig,
};
#[cfg(feature = "tch")]
pub use torch::{Lstm, Mlp};
