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
