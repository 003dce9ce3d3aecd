//! The streaming-indicator contract shared by every function in the crate.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// Output of an indicator step: a fixed set of named `f64` columns.
///
/// The names are a function of the output *type* ([`IndicatorOutput::names`]), so every
/// instance of one indicator type has the same columns.
pub trait IndicatorOutput: Copy + std::fmt::Debug {
    /// TA-Lib abstract-API output names, e.g. `["macd", "macdsignal", "macdhist"]`,
    /// `["real"]` or `["integer"]`.
    fn names() -> &'static [&'static str];
    /// Writes the values in [`names`](IndicatorOutput::names) order into `out`
    /// (`out.len() == names().len()`).
    fn write_to(&self, out: &mut [f64]);
}

impl IndicatorOutput for f64 {
    fn names() -> &'static [&'static str] {
        &["real"]
    }
    fn write_to(&self, out: &mut [f64]) {
        if let Some(o) = out.first_mut() {
            *o = *self;
        }
    }
}

/// Declares a `Copy` output struct with named `f64` fields whose names are TA-Lib's
/// output names, and implements [`IndicatorOutput`] for it.
#[macro_export]
macro_rules! indicator_output {
    ($(#[$m:meta])* $vis:vis struct $name:ident { $($(#[$fm:meta])* $field:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        $vis struct $name {
            $($(#[$fm])* pub $field: f64,)+
        }
        impl $crate::IndicatorOutput for $name {
            fn names() -> &'static [&'static str] {
                &[$(stringify!($field)),+]
            }
            fn write_to(&self, out: &mut [f64]) {
                let vals = [$(self.$field),+];
                for (o, v) in out.iter_mut().zip(vals) {
                    *o = v;
                }
            }
        }
    };
}

/// A streaming indicator: the incremental state a live service checkpoints (`Clone` + serde).
///
/// Folding [`update`](Indicator::update) over a series from a freshly constructed (or
/// [`reset`](Indicator::reset)) state gives exactly, bit for bit, the batch output
/// ([`crate::batch()`]), which itself matches TA-Lib.
pub trait Indicator: Clone + std::fmt::Debug + Send + Sync + Serialize + DeserializeOwned {
    /// One step's output.
    type Output: IndicatorOutput;
    /// TA-Lib's lookback: the number of leading bars with no output.
    fn lookback(&self) -> usize;
    /// Feeds one bar; `None` while inside the lookback.
    fn update(&mut self, bar: &Bar) -> Option<Self::Output>;
    /// Back to the freshly constructed state.
    fn reset(&mut self);

    /// Batch kernel: appends to `out` the outputs for every bar of `cols`, row-major
    /// (`cols.len() · k` values, `k` = the number of outputs), computed from a fresh state
    /// with `self`'s parameters (as if [`reset`](Indicator::reset) had been called first).
    /// Rows inside the lookback are NaN.
    ///
    /// The default folds [`update`](Indicator::update). Functions on the hot path override it
    /// with a tight loop over the columns; an override must produce *exactly* the bits of the
    /// fold (the crate's tests check every catalog function on long random series), so a
    /// live service streaming bar by bar computes the very features a model was trained on.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        fold_rows(self, cols, out);
    }
}

/// The reference batch: folds `update` from a reset clone into row-major rows. It is the
/// default [`Indicator::batch_into`], and kernels fall back to it for inputs they cannot
/// reproduce bit for bit (NaN highs or lows).
pub(crate) fn fold_rows<I: Indicator>(ind: &I, cols: &Columns<'_>, out: &mut Vec<f64>) {
    let mut st = ind.clone();
    st.reset();
    let k = I::Output::names().len();
    out.reserve(cols.len() * k);
    for i in 0..cols.len() {
        let start = out.len();
        out.resize(start + k, f64::NAN);
        if let Some(y) = st.update(&cols.bar(i))
            && let Some(row) = out.get_mut(start..)
        {
            y.write_to(row);
        }
    }
}

/// Contiguous, equal-length OHLCV columns: the input of a batch kernel
/// ([`Indicator::batch_into`]).
///
/// ```
/// use aaiti_features::Columns;
/// let close = [1.0, 2.0, 3.0];
/// let c = Columns::from_series(&close);
/// assert_eq!(c.len(), 3);
/// assert_eq!(c.bar(1).high, 2.0);
/// assert!(Columns::new(&close, &close, &close[..2], &close, &close).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    volume: &'a [f64],
}

impl<'a> Columns<'a> {
    /// Five columns of one length.
    ///
    /// # Errors
    /// [`Error::Spec`](crate::Error::Spec) naming the first column whose length differs
    /// from `open`'s.
    pub fn new(
        open: &'a [f64],
        high: &'a [f64],
        low: &'a [f64],
        close: &'a [f64],
        volume: &'a [f64],
    ) -> crate::Result<Self> {
        for (name, col) in [
            ("high", high),
            ("low", low),
            ("close", close),
            ("volume", volume),
        ] {
            if col.len() != open.len() {
                return Err(crate::Error::Spec(format!(
                    "column `{name}` has {} rows but `open` has {}",
                    col.len(),
                    open.len()
                )));
            }
        }
        Ok(Self {
            open,
            high,
            low,
            close,
            volume,
        })
    }

    /// One series used as every field (what [`scalar_bar`] does bar by bar): for functions
    /// of a single input such as SMA or RSI.
    #[must_use]
    pub fn from_series(x: &'a [f64]) -> Self {
        Self {
            open: x,
            high: x,
            low: x,
            close: x,
            volume: x,
        }
    }

    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.open.len()
    }
    /// True when there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
    /// Opens.
    #[must_use]
    pub fn open(&self) -> &'a [f64] {
        self.open
    }
    /// Highs.
    #[must_use]
    pub fn high(&self) -> &'a [f64] {
        self.high
    }
    /// Lows.
    #[must_use]
    pub fn low(&self) -> &'a [f64] {
        self.low
    }
    /// Closes.
    #[must_use]
    pub fn close(&self) -> &'a [f64] {
        self.close
    }
    /// Volumes.
    #[must_use]
    pub fn volume(&self) -> &'a [f64] {
        self.volume
    }
    /// The column a [`PriceField`] selects.
    #[must_use]
    pub fn field(&self, f: PriceField) -> &'a [f64] {
        match f {
            PriceField::Open => self.open,
            PriceField::High => self.high,
            PriceField::Low => self.low,
            PriceField::Close => self.close,
            PriceField::Volume => self.volume,
        }
    }
    /// Bar `i` (NaN fields when `i` is out of range).
    #[must_use]
    pub fn bar(&self, i: usize) -> Bar {
        let g = |c: &[f64]| c.get(i).copied().unwrap_or(f64::NAN);
        Bar {
            open: g(self.open),
            high: g(self.high),
            low: g(self.low),
            close: g(self.close),
            volume: g(self.volume),
        }
    }
}

/// Object-safe form of [`Indicator`], used by the catalog and feature sets.
///
/// Every [`Indicator`] implements it through a blanket impl.
pub trait DynIndicator: std::fmt::Debug + Send + Sync {
    /// TA-Lib's lookback.
    fn lookback(&self) -> usize;
    /// Output column names (TA-Lib abstract-API names).
    fn output_names(&self) -> Vec<String>;
    /// Feeds one bar and writes the outputs into `out` (length `output_names().len()`);
    /// returns `false` (and leaves `out` untouched) while inside the lookback.
    fn update_into(&mut self, bar: &Bar, out: &mut [f64]) -> bool;
    /// Back to the freshly constructed state.
    fn reset(&mut self);
    /// Clones the boxed state.
    fn box_clone(&self) -> Box<dyn DynIndicator>;
    /// [`Indicator::batch_into`] through the object: appends the row-major outputs for
    /// every bar of `cols`, from a fresh state.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>);
}

impl<I: Indicator + 'static> DynIndicator for I {
    fn lookback(&self) -> usize {
        Indicator::lookback(self)
    }
    fn output_names(&self) -> Vec<String> {
        I::Output::names().iter().map(|s| (*s).to_owned()).collect()
    }
    fn update_into(&mut self, bar: &Bar, out: &mut [f64]) -> bool {
        match Indicator::update(self, bar) {
            Some(o) => {
                o.write_to(out);
                true
            }
            None => false,
        }
    }
    fn reset(&mut self) {
        Indicator::reset(self);
    }
    fn box_clone(&self) -> Box<dyn DynIndicator> {
        Box::new(self.clone())
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        Indicator::batch_into(self, cols, out);
    }
}

impl Clone for Box<dyn DynIndicator> {
    fn clone(&self) -> Self {
        self.box_clone()
    }
}

/// Which field of a [`Bar`] a single-input function reads (TA-Lib's abstract-API `price`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceField {
    /// Opening price.
    Open,
    /// Highest price.
    High,
    /// Lowest price.
    Low,
    /// Closing price (the default).
    #[default]
    Close,
    /// Volume.
    Volume,
}

impl PriceField {
    /// Reads this field of `bar`.
    #[inline]
    #[must_use]
    pub fn get(self, bar: &Bar) -> f64 {
        match self {
            Self::Open => bar.open,
            Self::High => bar.high,
            Self::Low => bar.low,
            Self::Close => bar.close,
            Self::Volume => bar.volume,
        }
    }

    /// [`get`](Self::get) for a streaming `update` whose hot path is one short chain (the
    /// scalar moving averages, VAR, STDDEV, BBANDS, the LINEARREG family): the default
    /// first, then the others by a range test on the declaration order (open, high, low <
    /// close < volume). As one `match` this compiles to a jump table, an indirect jump and a
    /// jump back on every bar of the caller's loop; this way the close costs one compare and
    /// a branch that is predicted for the whole loop. (Not for every indicator: in OBV's
    /// loop this form let the compiler turn its branch-free volume sign into data-dependent
    /// branches.)
    #[inline]
    pub(crate) fn get_hot(self, bar: &Bar) -> f64 {
        let i = self as u8;
        if i == Self::Close as u8 {
            bar.close
        } else if i < Self::Close as u8 {
            if i == Self::Open as u8 {
                bar.open
            } else if i == Self::High as u8 {
                bar.high
            } else {
                bar.low
            }
        } else {
            bar.volume
        }
    }

    /// The lowercase name (`"close"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::High => "high",
            Self::Low => "low",
            Self::Close => "close",
            Self::Volume => "volume",
        }
    }

    /// Parses `open`, `high`, `low`, `close` or `volume` (case-insensitive).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "open" => Some(Self::Open),
            "high" => Some(Self::High),
            "low" => Some(Self::Low),
            "close" => Some(Self::Close),
            "volume" => Some(Self::Volume),
            _ => None,
        }
    }
}

/// A bar whose five fields all equal `x`: feeds a plain series to a single-input indicator.
#[inline]
#[must_use]
pub fn scalar_bar(x: f64) -> Bar {
    Bar {
        open: x,
        high: x,
        low: x,
        close: x,
        volume: x,
    }
}

#[cfg(test)]
mod tests {
    use super::PriceField;
    use aaiti_core::Bar;

    #[test]
    fn get_hot_reads_the_field_get_reads() {
        let b = Bar {
            open: 1.0,
            high: 2.0,
            low: 3.0,
            close: 4.0,
            volume: 5.0,
        };
        let all = [
            PriceField::Open,
            PriceField::High,
            PriceField::Low,
            PriceField::Close,
            PriceField::Volume,
        ];
        let got: Vec<(f64, f64)> = all.iter().map(|p| (p.get(&b), p.get_hot(&b))).collect();
        assert_eq!(
            got,
            [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (4.0, 4.0), (5.0, 5.0)]
        );
    }
}
