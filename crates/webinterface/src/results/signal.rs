//! What the result page plots, computed on the server so a million-point series stays fast in
//! the browser: min/max downsampling that keeps every peak, and the one-sided FFT power
//! spectrum in dB ([`domain::signal`]), itself reduced to the largest value per bucket. Pure
//! functions.

/// Points a plot gets at most (about one per pixel column of a wide screen, times two).
pub const PLOT_POINTS: usize = 2000;

/// The floor of the spectrum in dB (a zero power would be minus infinity).
pub const DB_FLOOR: f64 = -300.0;

/// The sample rate a run's parameters name ([`domain::signal::sample_rate`]).
pub use domain::signal::sample_rate;

/// Points to draw: x (sample index) and y, in x order.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Points {
    /// Sample indices.
    pub x: Vec<f64>,
    /// Values.
    pub y: Vec<f64>,
}

/// The samples `start..end` of `values` reduced to at most `target` points: all of them when
/// they fit, else the minimum and the maximum of each of `target / 2` equal buckets, in the
/// order they occur, so no peak is lost.
pub fn downsample(values: &[f64], start: usize, end: usize, target: usize) -> Points {
    let end = end.min(values.len());
    let start = start.min(end);
    let n = end - start;
    let mut out = Points::default();
    if n <= target.max(2) {
        out.x = (start..end).map(|i| i as f64).collect();
        out.y = values[start..end].to_vec();
        return out;
    }
    let buckets = (target / 2).max(1);
    out.x.reserve(buckets * 2);
    out.y.reserve(buckets * 2);
    for b in 0..buckets {
        let lo = start + b * n / buckets;
        let hi = start + (b + 1) * n / buckets;
        if lo >= hi {
            continue;
        }
        let (mut imin, mut imax) = (lo, lo);
        for i in lo..hi {
            if values[i] < values[imin] {
                imin = i;
            }
            if values[i] > values[imax] {
                imax = i;
            }
        }
        let (a, b) = if imin <= imax {
            (imin, imax)
        } else {
            (imax, imin)
        };
        out.x.push(a as f64);
        out.y.push(values[a]);
        if b != a {
            out.x.push(b as f64);
            out.y.push(values[b]);
        }
    }
    out
}

/// The one-sided power spectrum of `values` ([`domain::signal::power_spectrum`]): for bins
/// `k = 0..=n/2`, the frequency `k / n` (cycles per sample, times the sample rate when given:
/// Hz) and the power in dB, floored at [`DB_FLOOR`]. A sine of amplitude A shows at about
/// `20·log10(A/√2)` dB, its mean-square power.
pub fn spectrum(values: &[f64], rate: Option<f64>) -> Points {
    let scale = rate.unwrap_or(1.0) / values.len() as f64;
    let power = domain::signal::power_spectrum(values);
    Points {
        x: (0..power.len()).map(|k| k as f64 * scale).collect(),
        y: power.into_iter().map(db).collect(),
    }
}

fn db(power: f64) -> f64 {
    if power > 0.0 {
        (10.0 * power.log10()).max(DB_FLOOR)
    } else {
        DB_FLOOR
    }
}

/// `points` reduced to at most `target` by keeping the largest y of each bucket (a spectrum's
/// peaks are what matters).
pub fn downsample_max(points: &Points, target: usize) -> Points {
    let n = points.x.len();
    if n <= target.max(1) {
        return points.clone();
    }
    let mut out = Points {
        x: Vec::with_capacity(target),
        y: Vec::with_capacity(target),
    };
    for b in 0..target {
        let lo = b * n / target;
        let hi = (b + 1) * n / target;
        if lo >= hi {
            continue;
        }
        let mut best = lo;
        for i in lo..hi {
            if points.y[i] > points.y[best] {
                best = i;
            }
        }
        out.x.push(points.x[best]);
        out.y.push(points.y[best]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let p = downsample(&[1.0, 2.0, 3.0], 0, 3, 10);
        assert_eq!(p.x, vec![0.0, 1.0, 2.0]);
        assert_eq!(p.y, vec![1.0, 2.0, 3.0]);
        let w = downsample(&[1.0, 2.0, 3.0, 4.0], 1, 3, 10);
        assert_eq!(w.x, vec![1.0, 2.0]);
        assert_eq!(downsample(&[1.0], 5, 9, 10), Points::default());
    }

    #[test]
    fn downsampling_keeps_every_peak() {
        let mut values = vec![0.0; 1_000_000];
        values[123_457] = 9.0;
        values[876_543] = -7.0;
        let p = downsample(&values, 0, values.len(), PLOT_POINTS);
        assert!(p.x.len() <= PLOT_POINTS);
        assert!(p.y.contains(&9.0) && p.y.contains(&-7.0));
        let i = p.y.iter().position(|&v| v == 9.0).expect("peak");
        assert_eq!(p.x[i], 123_457.0);
        assert!(p.x.windows(2).all(|w| w[0] < w[1]), "x in order");
    }

    #[test]
    fn spectrum_finds_a_sine_in_hz() {
        let fs = 1000.0;
        let n = 1000;
        let values: Vec<f64> = (0..n)
            .map(|i| 2.0 * (2.0 * std::f64::consts::PI * 50.0 * i as f64 / fs).sin())
            .collect();
        let s = spectrum(&values, Some(fs));
        assert_eq!(s.x.len(), n / 2 + 1);
        let peak = (0..s.y.len())
            .max_by(|&a, &b| s.y[a].total_cmp(&s.y[b]))
            .expect("bins");
        assert_eq!(s.x[peak], 50.0);
        // Amplitude 2: mean-square power 2, i.e. about 3 dB.
        assert!(
            (s.y[peak] - 10.0 * 2f64.log10()).abs() < 1e-6,
            "{}",
            s.y[peak]
        );
        assert_eq!(s.y[0], DB_FLOOR.max(s.y[0]));
        // Without a rate the axis is in cycles per sample.
        let c = spectrum(&values, None);
        assert!((c.x[peak] - 0.05).abs() < 1e-12);
        assert_eq!(spectrum(&[], None), Points::default());
        assert_eq!(spectrum(&[0.0; 8], None).y, vec![DB_FLOOR; 5]);
    }

    #[test]
    fn spectrum_downsampling_keeps_the_peak() {
        let mut p = Points {
            x: (0..10_000).map(f64::from).collect(),
            y: vec![-100.0; 10_000],
        };
        p.y[4321] = 5.0;
        let d = downsample_max(&p, 100);
        assert_eq!(d.x.len(), 100);
        assert!(d.x.contains(&4321.0) && d.y.contains(&5.0));
        assert_eq!(downsample_max(&p, 20_000), p);
    }
}
