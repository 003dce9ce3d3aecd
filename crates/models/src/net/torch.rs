//! The networks on libtorch (feature `tch`): forward passes written with fallible `f_*` ops,
//! PyTorch-compatible parameter names and initialisation, Adam training loop, safetensors I/O.
//!
//! Parameter names match `torch.nn` state dicts: the MLP is `fc0.weight`, `fc0.bias`, …,
//! `out.weight`, `out.bias` (each `nn.Linear`); the LSTM is `lstm.weight_ih_l0`, …
//! (`nn.LSTM(batch_first=True)`, `_reverse` for the backward direction) plus `out.*`.
//! Initialisation is PyTorch's default (`U(±1/√fan_in)` for linear layers, `U(±1/√hidden)`
//! for LSTM weights), so a seed gives the same kind of starting point as PyTorch.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng as _;
use rand::seq::SliceRandom as _;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig as _};
use tch::{Kind, Reduction, Tensor};

use super::config::{
    Activation, Control, EpochHook, EpochReport, LstmValidParams, MlpValidParams, NoHook, Task,
    TrainConfig,
};
use crate::data::{argmax, check_input, encode_labels};
use crate::persist::{read_envelope, write_envelope};
use crate::{
    Device, Error, Fit, ParamGuard, Persist, Predict, PredictProba, Result, TrainData,
    feature_windows, windows,
};

const PREDICT_CHUNK: usize = 4096;

/// Held by everything in this crate that draws from libtorch's process-global generator
/// (seeding, initialisation, dropout), so concurrent fits and loads cannot interleave draws.
static RNG_LOCK: Mutex<()> = Mutex::new(());

/// The architecture, enough to rebuild the parameters and the forward pass.
#[derive(Debug, Clone, PartialEq)]
enum Arch {
    Mlp {
        sizes: Vec<i64>,
        act: Activation,
        dropout: f64,
    },
    Lstm {
        n_in: i64,
        hidden: i64,
        layers: i64,
        bidirectional: bool,
        dropout: f64,
        n_out: i64,
    },
}

fn to_i64(n: usize) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::param("size", n, "too large for libtorch"))
}

#[allow(clippy::cast_precision_loss, reason = "layer widths")]
fn uniform(fan: i64) -> nn::Init {
    let b = 1.0 / (fan as f64).sqrt();
    nn::Init::Uniform { lo: -b, up: b }
}

impl Arch {
    /// Creates the parameters in `vs`, in forward order.
    fn build(&self, vs: &nn::VarStore) -> Result<Vec<(String, Tensor)>> {
        let root = vs.root();
        let mut out = Vec::new();
        let linear =
            |prefix: &str, n_in: i64, n_out: i64, out: &mut Vec<(String, Tensor)>| -> Result<()> {
                let p = &root / prefix;
                let w = p.f_var("weight", &[n_out, n_in], uniform(n_in))?;
                let b = p.f_var("bias", &[n_out], uniform(n_in))?;
                out.push((format!("{prefix}.weight"), w));
                out.push((format!("{prefix}.bias"), b));
                Ok(())
            };
        match self {
            Self::Mlp { sizes, .. } => {
                let n = sizes.len();
                for (i, w) in sizes.windows(2).enumerate() {
                    let name = if i + 2 == n {
                        "out".to_string()
                    } else {
                        format!("fc{i}")
                    };
                    linear(&name, w[0], w[1], &mut out)?;
                }
            }
            Self::Lstm {
                n_in,
                hidden,
                layers,
                bidirectional,
                n_out,
                ..
            } => {
                let p = &root / "lstm";
                let dirs = if *bidirectional { 2 } else { 1 };
                let init = uniform(*hidden);
                for l in 0..*layers {
                    let in_l = if l == 0 { *n_in } else { hidden * dirs };
                    for d in 0..dirs {
                        let sfx = if d == 1 { "_reverse" } else { "" };
                        for (name, dims) in [
                            (format!("weight_ih_l{l}{sfx}"), vec![4 * hidden, in_l]),
                            (format!("weight_hh_l{l}{sfx}"), vec![4 * hidden, *hidden]),
                            (format!("bias_ih_l{l}{sfx}"), vec![4 * hidden]),
                            (format!("bias_hh_l{l}{sfx}"), vec![4 * hidden]),
                        ] {
                            let t = p.f_var(&name, &dims, init)?;
                            out.push((format!("lstm.{name}"), t));
                        }
                    }
                }
                linear("out", hidden * dirs, *n_out, &mut out)?;
            }
        }
        Ok(out)
    }

    fn forward(&self, vars: &[Tensor], x: &Tensor, train: bool) -> Result<Tensor> {
        match self {
            Self::Mlp { act, dropout, .. } => {
                let mut h = x.shallow_clone();
                let pairs: Vec<&[Tensor]> = vars.chunks(2).collect();
                let last = pairs.len().saturating_sub(1);
                for (i, wb) in pairs.iter().enumerate() {
                    let [w, b] = wb else {
                        return Err(Error::Training("odd number of MLP parameters".into()));
                    };
                    h = h.f_linear(w, Some(b))?;
                    if i < last {
                        h = match act {
                            Activation::Relu => h.f_relu()?,
                            Activation::Tanh => h.f_tanh()?,
                            Activation::Sigmoid => h.f_sigmoid()?,
                            Activation::Gelu => h.f_gelu("none")?,
                        };
                        if *dropout > 0.0 {
                            h = h.f_dropout(*dropout, train)?;
                        }
                    }
                }
                Ok(h)
            }
            Self::Lstm {
                hidden,
                layers,
                bidirectional,
                dropout,
                ..
            } => {
                let n = vars.len();
                let (lstm, head) = vars.split_at(n.saturating_sub(2));
                let [w, b] = head else {
                    return Err(Error::Training("LSTM head parameters missing".into()));
                };
                let dirs = if *bidirectional { 2 } else { 1 };
                let batch = x.size().first().copied().unwrap_or(0);
                let opts = (Kind::Float, x.device());
                let h0 = Tensor::f_zeros([layers * dirs, batch, *hidden], opts)?;
                let c0 = Tensor::f_zeros([layers * dirs, batch, *hidden], opts)?;
                let (out, _, _) = x.f_lstm(
                    &[h0, c0],
                    lstm,
                    true,
                    *layers,
                    *dropout,
                    train,
                    *bidirectional,
                    true,
                )?;
                let mut last = out.f_select(1, -1)?;
                if *dropout > 0.0 {
                    last = last.f_dropout(*dropout, train)?;
                }
                Ok(last.f_linear(w, Some(b))?)
            }
        }
    }
}

/// Weights and the forward pass, behind a mutex so the fitted model is `Sync`.
struct Net {
    arch: Arch,
    state: Mutex<State>,
}

struct State {
    vs: nn::VarStore,
    vars: Vec<(String, Tensor)>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("arch", &self.arch)
            .finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> Result<std::sync::MutexGuard<'_, State>> {
    m.lock()
        .map_err(|_| Error::Training("network lock poisoned by an earlier panic".into()))
}

/// Runs libtorch work, turning a panic inside tch (a C++ exception surfaced by a non-`f_`
/// call) into [`Error::Training`].
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("unknown panic");
        let first = msg.lines().next().unwrap_or(msg);
        Err(Error::Training(format!("libtorch panicked: {first}")))
    })
}

fn f32_tensor(
    data: impl Iterator<Item = f64>,
    shape: &[usize],
    device: tch::Device,
) -> Result<Tensor> {
    #[allow(clippy::cast_possible_truncation, reason = "networks compute in f32")]
    let v: Vec<f32> = data.map(|x| x as f32).collect();
    let dims = shape
        .iter()
        .map(|&d| to_i64(d))
        .collect::<Result<Vec<_>>>()?;
    Ok(Tensor::f_from_slice(&v)?.f_reshape(dims)?.f_to(device)?)
}

fn to_vec_f32(t: &Tensor) -> Result<Vec<f32>> {
    let t = t
        .f_to(tch::Device::Cpu)?
        .f_contiguous()?
        .f_to_kind(Kind::Float)?;
    let n = t.numel();
    let mut v = vec![0f32; n];
    t.f_copy_data(&mut v, n)?;
    Ok(v)
}

/// Inputs ready for libtorch: `[n, ...]` features and targets.
struct Prepared {
    x: Tensor,
    y: Tensor,
    n: usize,
}

fn prepare(
    x_rows: ndarray::ArrayViewD<'_, f64>,
    y: ndarray::ArrayView1<'_, f64>,
    task: Task,
    classes: &[f64],
    device: tch::Device,
) -> Result<Prepared> {
    let shape = x_rows.shape().to_vec();
    let n = shape.first().copied().unwrap_or(0);
    let x = f32_tensor(x_rows.iter().copied(), &shape, device)?;
    let y = match task {
        Task::Classification => {
            let mut idx = Vec::with_capacity(y.len());
            for (row, &v) in y.iter().enumerate() {
                let i = classes
                    .iter()
                    .position(|&c| c == v)
                    .ok_or(Error::InvalidLabel { row, value: v })?;
                idx.push(to_i64(i)?);
            }
            Tensor::f_from_slice(&idx)?.f_to(device)?
        }
        Task::Regression => f32_tensor(y.iter().copied(), &[y.len()], device)?,
    };
    Ok(Prepared { x, y, n })
}

fn loss(task: Task, out: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(match task {
        Task::Classification => {
            out.f_cross_entropy_loss::<Tensor>(y, None, Reduction::Mean, -100, 0.0)?
        }
        Task::Regression => out.f_squeeze_dim(-1)?.f_mse_loss(y, Reduction::Mean)?,
    })
}

#[allow(clippy::cast_precision_loss, reason = "row counts")]
fn eval_loss(arch: &Arch, vars: &[Tensor], task: Task, d: &Prepared) -> Result<f64> {
    tch::no_grad(|| {
        let mut total = 0.0;
        let mut start = 0;
        while start < d.n {
            let len = PREDICT_CHUNK.min(d.n - start);
            let (s, l) = (to_i64(start)?, to_i64(len)?);
            let out = arch.forward(vars, &d.x.f_narrow(0, s, l)?, false)?;
            total += loss(task, &out, &d.y.f_narrow(0, s, l)?)?.f_double_value(&[])? * len as f64;
            start += len;
        }
        Ok(total / d.n.max(1) as f64)
    })
}

fn snapshot(vars: &[(String, Tensor)]) -> Result<Vec<Tensor>> {
    tch::no_grad(|| {
        vars.iter()
            .map(|(_, t)| {
                let mut c = t.f_zeros_like()?;
                c.f_copy_(t)?;
                Ok(c)
            })
            .collect()
    })
}

fn restore(vars: &mut [(String, Tensor)], saved: &[Tensor]) -> Result<()> {
    tch::no_grad(|| {
        for ((_, t), s) in vars.iter_mut().zip(saved) {
            t.f_copy_(s)?;
        }
        Ok(())
    })
}

/// The training loop: Adam, optional gradient-norm clipping, mini-batches in order (or
/// shuffled inside the training rows), epoch hook, patience, best-weight restore.
#[allow(clippy::cast_precision_loss, reason = "row counts")]
fn train(
    arch: Arch,
    cfg: &TrainConfig,
    task: Task,
    data: &Prepared,
    valid: Option<&Prepared>,
    hook: &mut dyn EpochHook,
    device: tch::Device,
) -> Result<Net> {
    // libtorch's generator is process-global: hold one lock from seeding to the last dropout
    // mask so that concurrent fits cannot interleave their draws (seeded runs stay
    // bit-identical). Concurrent network training in one process is therefore serialised.
    let _guard = RNG_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    crate::seed(cfg.seed);
    let vs = nn::VarStore::new(device);
    let mut vars = arch.build(&vs)?;
    let tensors: Vec<Tensor> = vars.iter().map(|(_, t)| t.shallow_clone()).collect();
    let mut opt = nn::Adam {
        wd: cfg.weight_decay,
        ..Default::default()
    }
    .build(&vs, cfg.learning_rate)?;
    let mut order: Vec<i64> = (0..to_i64(data.n)?).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut best: Option<(usize, f64)> = None;
    let mut saved: Option<Vec<Tensor>> = None;
    for epoch in 0..cfg.epochs {
        if cfg.shuffle {
            order.shuffle(&mut rng);
        }
        let mut total = 0.0;
        let mut start = 0;
        while start < data.n {
            let len = cfg.batch_size.min(data.n - start);
            let (xb, yb) = if cfg.shuffle {
                let idx = Tensor::f_from_slice(&order[start..start + len])?.f_to(device)?;
                (
                    data.x.f_index_select(0, &idx)?,
                    data.y.f_index_select(0, &idx)?,
                )
            } else {
                let (s, l) = (to_i64(start)?, to_i64(len)?);
                (data.x.f_narrow(0, s, l)?, data.y.f_narrow(0, s, l)?)
            };
            let out = arch.forward(&tensors, &xb, true)?;
            let l = loss(task, &out, &yb)?;
            opt.zero_grad();
            l.f_backward()?;
            if let Some(c) = cfg.grad_clip {
                opt.clip_grad_norm(c);
            }
            opt.step();
            total += l.f_double_value(&[])? * len as f64;
            start += len;
        }
        let train_loss = total / data.n.max(1) as f64;
        if !train_loss.is_finite() {
            return Err(Error::Training(format!(
                "training loss is {train_loss} at epoch {epoch}"
            )));
        }
        let valid_loss = valid
            .map(|v| eval_loss(&arch, &tensors, task, v))
            .transpose()?;
        let monitored = valid_loss.unwrap_or(train_loss);
        if best.is_none_or(|(_, b)| monitored < b) {
            best = Some((epoch, monitored));
            if cfg.restore_best {
                saved = Some(snapshot(&vars)?);
            }
        }
        let (best_epoch, best_loss) = best.unwrap_or((epoch, monitored));
        let report = EpochReport {
            epoch,
            epochs: cfg.epochs,
            train_loss,
            valid_loss,
            best_epoch,
            best_loss,
        };
        let stop = hook.on_epoch(&report) == Control::Stop
            || cfg.patience.is_some_and(|p| epoch - best_epoch >= p);
        if stop {
            break;
        }
    }
    if let Some(s) = saved {
        restore(&mut vars, &s)?;
    }
    Ok(Net {
        arch,
        state: Mutex::new(State { vs, vars }),
    })
}

impl Net {
    /// Raw outputs (logits or values), `[rows, n_out]`, as f64.
    fn outputs(&self, x: &Tensor, n: usize, n_out: usize, task: Task) -> Result<Array2<f64>> {
        let st = lock(&self.state)?;
        let device = st.vs.device();
        let tensors: Vec<Tensor> = st.vars.iter().map(|(_, t)| t.shallow_clone()).collect();
        let mut out = Vec::with_capacity(n * n_out);
        tch::no_grad(|| -> Result<()> {
            let mut start = 0;
            while start < n {
                let len = PREDICT_CHUNK.min(n - start);
                let xb = x.f_narrow(0, to_i64(start)?, to_i64(len)?)?.f_to(device)?;
                let mut o = self.arch.forward(&tensors, &xb, false)?;
                if task == Task::Classification {
                    o = o.f_softmax(-1, Kind::Float)?;
                }
                out.extend(to_vec_f32(&o)?.into_iter().map(f64::from));
                start += len;
            }
            Ok(())
        })?;
        Array2::from_shape_vec((n, n_out), out)
            .map_err(|e| Error::Training(format!("output shape: {e}")))
    }

    fn safetensors(&self) -> Result<Vec<u8>> {
        let st = lock(&self.state)?;
        let mut data: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, t) in &st.vars {
            let shape = t
                .size()
                .iter()
                .map(|&d| usize::try_from(d).unwrap_or(0))
                .collect();
            let bytes = to_vec_f32(t)?
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            data.push((name.clone(), shape, bytes));
        }
        let views = data
            .iter()
            .map(|(n, s, b)| {
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                    .map(|v| (n.clone(), v))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Format(format!("safetensors: {e:?}")))?;
        safetensors::tensor::serialize(views, &None)
            .map_err(|e| Error::Format(format!("safetensors: {e:?}")))
    }

    fn load(arch: Arch, bytes: &[u8], device: Device) -> Result<Self> {
        let st = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| Error::Format(format!("safetensors: {e:?}")))?;
        let vs = nn::VarStore::new(device.to_tch()?);
        let mut vars = {
            let _guard = RNG_LOCK
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            arch.build(&vs)?
        };
        tch::no_grad(|| -> Result<()> {
            for (name, t) in &mut vars {
                let v = st
                    .tensor(name)
                    .map_err(|e| Error::Format(format!("weight `{name}`: {e:?}")))?;
                let want: Vec<usize> = t
                    .size()
                    .iter()
                    .map(|&d| usize::try_from(d).unwrap_or(0))
                    .collect();
                if v.dtype() != safetensors::Dtype::F32 || v.shape() != want.as_slice() {
                    return Err(Error::Format(format!(
                        "weight `{name}`: expected f32 {want:?}, got {:?} {:?}",
                        v.dtype(),
                        v.shape()
                    )));
                }
                let vals: Vec<f32> = v
                    .data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let src = f32_tensor(vals.into_iter().map(f64::from), &want, t.device())?;
                t.f_copy_(&src)?;
            }
            Ok(())
        })?;
        Ok(Self {
            arch,
            state: Mutex::new(State { vs, vars }),
        })
    }
}

// ---------------------------------------------------------------- shared model plumbing

#[derive(Debug, Serialize, Deserialize)]
struct Header<P> {
    params: P,
    classes: Vec<f64>,
    n_features: usize,
}

fn n_out(task: Task, classes: &[f64]) -> usize {
    match task {
        Task::Classification => classes.len(),
        Task::Regression => 1,
    }
}

fn task_classes(task: Task, y: ndarray::ArrayView1<'_, f64>) -> Result<Vec<f64>> {
    match task {
        Task::Classification => Ok(encode_labels(y, 2)?.classes),
        Task::Regression => Ok(Vec::new()),
    }
}

fn finish_predict(task: Task, classes: &[f64], out: Array2<f64>) -> Array1<f64> {
    match task {
        Task::Classification => out
            .outer_iter()
            .map(|r| classes.get(argmax(r)).copied().unwrap_or(f64::NAN))
            .collect(),
        Task::Regression => out.column(0).to_owned(),
    }
}

// ---------------------------------------------------------------- MLP

/// Fitted dense network. `Send + Sync` (weights behind a mutex; predictions serialise).
#[derive(Debug)]
pub struct Mlp {
    params: MlpValidParams,
    classes: Vec<f64>,
    n_features: usize,
    net: Net,
}

impl MlpValidParams {
    fn arch(&self, n_features: usize, n_out: usize) -> Result<Arch> {
        let mut sizes = vec![to_i64(n_features)?];
        for &h in &self.hidden {
            sizes.push(to_i64(h)?);
        }
        sizes.push(to_i64(n_out)?);
        Ok(Arch::Mlp {
            sizes,
            act: self.activation,
            dropout: self.dropout,
        })
    }

    /// Fits with an epoch hook and optional validation rows (for the reported validation
    /// loss, early stopping and best-weight restore).
    ///
    /// # Errors
    /// Invalid hyperparameters, bad data or labels, an unavailable device, or a libtorch error.
    pub fn fit_with(
        &self,
        data: &TrainData<'_>,
        valid: Option<&TrainData<'_>>,
        hook: &mut dyn EpochHook,
    ) -> Result<Mlp> {
        MlpParams::from(self.clone()).check_ref()?;
        let device = self.train.device.to_tch()?;
        let classes = task_classes(self.task, data.targets())?;
        let d = data.n_features();
        if let Some(v) = valid
            && v.n_features() != d
        {
            return Err(Error::WidthMismatch {
                expected: d,
                got: v.n_features(),
            });
        }
        guarded(|| {
            let tr = prepare(
                data.features().into_dyn(),
                data.targets(),
                self.task,
                &classes,
                device,
            )?;
            let va = valid
                .map(|v| {
                    prepare(
                        v.features().into_dyn(),
                        v.targets(),
                        self.task,
                        &classes,
                        device,
                    )
                })
                .transpose()?;
            let arch = self.arch(d, n_out(self.task, &classes))?;
            let net = train(arch, &self.train, self.task, &tr, va.as_ref(), hook, device)?;
            Ok(Mlp {
                params: self.clone(),
                classes: classes.clone(),
                n_features: d,
                net,
            })
        })
    }
}

impl From<MlpValidParams> for super::MlpParams {
    fn from(v: MlpValidParams) -> Self {
        super::MlpParams::new()
            .hidden(v.hidden)
            .activation(v.activation)
            .dropout(v.dropout)
            .task(v.task)
            .train(v.train)
    }
}

use super::{LstmParams, MlpParams};

impl Fit for MlpValidParams {
    type Fitted = Mlp;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<Mlp> {
        self.fit_with(data, None, &mut NoHook)
    }
}

impl Mlp {
    /// Class labels (`None` for regression).
    #[must_use]
    pub fn class_labels(&self) -> Option<&[f64]> {
        (self.params.task == Task::Classification).then_some(self.classes.as_slice())
    }

    /// The hyperparameters it was trained with.
    #[must_use]
    pub fn params(&self) -> &MlpValidParams {
        &self.params
    }

    /// The weights as a safetensors file (names as a `torch.nn` state dict).
    ///
    /// # Errors
    /// libtorch or I/O failure.
    pub fn save_safetensors(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        Ok(std::fs::write(path, self.net.safetensors()?)?)
    }

    /// Loads bytes from [`Persist::to_bytes`] onto a device.
    ///
    /// # Errors
    /// As [`Persist::from_bytes`], or an unavailable device.
    pub fn from_bytes_on(bytes: &[u8], device: Device) -> Result<Self> {
        let (h, payload): (Header<MlpValidParams>, _) = read_envelope(bytes, "mlp")?;
        let arch = h
            .params
            .arch(h.n_features, n_out(h.params.task, &h.classes))?;
        let net = guarded(|| Net::load(arch, payload, device))?;
        Ok(Self {
            params: h.params,
            classes: h.classes,
            n_features: h.n_features,
            net,
        })
    }

    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features)?;
        guarded(|| {
            let t = f32_tensor(x.iter().copied(), &[x.nrows(), x.ncols()], tch::Device::Cpu)?;
            self.net.outputs(
                &t,
                x.nrows(),
                n_out(self.params.task, &self.classes),
                self.params.task,
            )
        })
    }
}

impl Predict for Mlp {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(finish_predict(
            self.params.task,
            &self.classes,
            self.outputs(x)?,
        ))
    }
}

impl PredictProba for Mlp {
    fn classes(&self) -> &[f64] {
        self.class_labels().unwrap_or(&[])
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if self.params.task == Task::Regression {
            return Err(Error::NotAClassifier { model: "mlp" });
        }
        self.outputs(x)
    }
}

impl Persist for Mlp {
    const KIND: &'static str = "mlp";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let h = Header {
            params: self.params.clone(),
            classes: self.classes.clone(),
            n_features: self.n_features,
        };
        write_envelope(Self::KIND, &h, &guarded(|| self.net.safetensors())?)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_on(bytes, Device::Cpu)
    }
}

// ---------------------------------------------------------------- LSTM

/// Fitted LSTM. Predictions start at row `lookback - 1` of the input ([`Predict::warmup`]).
#[derive(Debug)]
pub struct Lstm {
    params: LstmValidParams,
    classes: Vec<f64>,
    n_features: usize,
    net: Net,
}

impl LstmValidParams {
    fn arch(&self, n_features: usize, n_out: usize) -> Result<Arch> {
        Ok(Arch::Lstm {
            n_in: to_i64(n_features)?,
            hidden: to_i64(self.hidden)?,
            layers: to_i64(self.layers)?,
            bidirectional: self.bidirectional,
            dropout: self.dropout,
            n_out: to_i64(n_out)?,
        })
    }

    /// Fits with an epoch hook and optional validation rows. Windows are built inside `data`
    /// and inside `valid` separately, never across them.
    ///
    /// # Errors
    /// Invalid hyperparameters, fewer rows than `lookback`, bad labels, an unavailable device,
    /// or a libtorch error.
    pub fn fit_with(
        &self,
        data: &TrainData<'_>,
        valid: Option<&TrainData<'_>>,
        hook: &mut dyn EpochHook,
    ) -> Result<Lstm> {
        LstmParams::from(self.clone()).check_ref()?;
        let device = self.train.device.to_tch()?;
        let d = data.n_features();
        if let Some(v) = valid
            && v.n_features() != d
        {
            return Err(Error::WidthMismatch {
                expected: d,
                got: v.n_features(),
            });
        }
        let (xw, yw) = windows(data.features(), data.targets(), self.lookback)?;
        let classes = task_classes(self.task, yw.view())?;
        let vw = valid
            .map(|v| windows(v.features(), v.targets(), self.lookback))
            .transpose()?;
        guarded(|| {
            let tr = prepare(xw.view().into_dyn(), yw.view(), self.task, &classes, device)?;
            let va = vw
                .as_ref()
                .map(|(x, y)| prepare(x.view().into_dyn(), y.view(), self.task, &classes, device))
                .transpose()?;
            let arch = self.arch(d, n_out(self.task, &classes))?;
            let net = train(arch, &self.train, self.task, &tr, va.as_ref(), hook, device)?;
            Ok(Lstm {
                params: self.clone(),
                classes: classes.clone(),
                n_features: d,
                net,
            })
        })
    }
}

impl From<LstmValidParams> for LstmParams {
    fn from(v: LstmValidParams) -> Self {
        LstmParams::new()
            .lookback(v.lookback)
            .hidden(v.hidden)
            .layers(v.layers)
            .dropout(v.dropout)
            .bidirectional(v.bidirectional)
            .task(v.task)
            .train(v.train)
    }
}

impl Fit for LstmValidParams {
    type Fitted = Lstm;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<Lstm> {
        self.fit_with(data, None, &mut NoHook)
    }
}

impl Lstm {
    /// Class labels (`None` for regression).
    #[must_use]
    pub fn class_labels(&self) -> Option<&[f64]> {
        (self.params.task == Task::Classification).then_some(self.classes.as_slice())
    }

    /// The hyperparameters it was trained with.
    #[must_use]
    pub fn params(&self) -> &LstmValidParams {
        &self.params
    }

    /// The weights as a safetensors file (names as a `torch.nn` state dict).
    ///
    /// # Errors
    /// libtorch or I/O failure.
    pub fn save_safetensors(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        Ok(std::fs::write(path, self.net.safetensors()?)?)
    }

    /// Loads bytes from [`Persist::to_bytes`] onto a device.
    ///
    /// # Errors
    /// As [`Persist::from_bytes`], or an unavailable device.
    pub fn from_bytes_on(bytes: &[u8], device: Device) -> Result<Self> {
        let (h, payload): (Header<LstmValidParams>, _) = read_envelope(bytes, "lstm")?;
        let arch = h
            .params
            .arch(h.n_features, n_out(h.params.task, &h.classes))?;
        let net = guarded(|| Net::load(arch, payload, device))?;
        Ok(Self {
            params: h.params,
            classes: h.classes,
            n_features: h.n_features,
            net,
        })
    }

    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features)?;
        let w = feature_windows(x, self.params.lookback)?;
        guarded(|| {
            let (n, l, f) = w.dim();
            let t = f32_tensor(w.iter().copied(), &[n, l, f], tch::Device::Cpu)?;
            self.net.outputs(
                &t,
                n,
                n_out(self.params.task, &self.classes),
                self.params.task,
            )
        })
    }
}

impl Predict for Lstm {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn warmup(&self) -> usize {
        self.params.lookback - 1
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(finish_predict(
            self.params.task,
            &self.classes,
            self.outputs(x)?,
        ))
    }
}

impl PredictProba for Lstm {
    fn classes(&self) -> &[f64] {
        self.class_labels().unwrap_or(&[])
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if self.params.task == Task::Regression {
            return Err(Error::NotAClassifier { model: "lstm" });
        }
        self.outputs(x)
    }
}

impl Persist for Lstm {
    const KIND: &'static str = "lstm";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let h = Header {
            params: self.params.clone(),
            classes: self.classes.clone(),
            n_features: self.n_features,
        };
        write_envelope(Self::KIND, &h, &guarded(|| self.net.safetensors())?)
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_on(bytes, Device::Cpu)
    }
}
