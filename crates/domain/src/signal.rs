//! Signal helpers shared by the result pages and the verdict engine: the sample rate a run's
//! parameters name, the one-sided FFT power spectrum (`rustfft`) and its peak frequency.
//! Pure functions.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use serde_json::Value;

/// Parameter names taken as the sample rate in Hz, compared without case.
pub const RATE_NAMES: [&str; 7] = [
    "fs",
    "samplerate",
    "sample_rate",
    "samplingrate",
    "sampling_rate",
    "sample_rate_hz",
    "samplerate_hz",
];

/// The sample rate in Hz from a top-level parameter such as `fs` or `sampleRate` (see
/// [`RATE_NAMES`]; a positive finite number, or a string holding one), if there is one.
pub fn sample_rate(parameters: Option<&Value>) -> Option<f64> {
    let Some(Value::Object(map)) = parameters else {
        return None;
    };
    map.iter()
        .filter(|(k, _)| RATE_NAMES.contains(&k.to_ascii_lowercase().as_str()))
        .find_map(|(_, v)| rate_value(v))
}

/// `value` read as a sample rate in Hz: a positive finite number, or a string holding one.
pub fn rate_value(value: &Value) -> Option<f64> {
    let rate = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    (rate.is_finite() && rate > 0.0).then_some(rate)
}

/// The one-sided power spectrum of `values`: for bins `k = 0..=n/2` (frequency `k / n` cycles
/// per sample, `k·rate/n` Hz), the power `|X_k|² / n²`, doubled for bins that have a mirror,
/// so a sine of amplitude A shows as A²/2, its mean-square power. Empty for no values.
pub fn power_spectrum(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut buf: Vec<Complex<f64>> = values.iter().map(|&v| Complex::new(v, 0.0)).collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    let norm = 1.0 / (n as f64 * n as f64);
    let half = n / 2;
    buf.iter()
        .take(half + 1)
        .enumerate()
        .map(|(k, c)| {
            // Bin 0 and, for even n, bin n/2 have no mirror image.
            let mirrored = k != 0 && !(n.is_multiple_of(2) && k == half);
            c.norm_sqr() * norm * if mirrored { 2.0 } else { 1.0 }
        })
        .collect()
}

/// The bin of `power` (a [`power_spectrum`]) with the largest power, bin 0 (DC) left out; the
/// lowest such bin on a tie. `None` when there is no bin besides DC or all of them are zero.
pub fn peak_bin(power: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, &p) in power.iter().enumerate().skip(1) {
        if p > 0.0 && best.is_none_or(|b| p > power[b]) {
            best = Some(k);
        }
    }
    best
}

/// The frequency in Hz (`k·rate/n`) of the largest-power bin of the one-sided spectrum of
/// `values` sampled at `rate` Hz, DC left out (see [`peak_bin`]).
pub fn peak_frequency(values: &[f64], rate: f64) -> Option<f64> {
    let k = peak_bin(&power_spectrum(values))?;
    Some(k as f64 * rate / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sine(freq: f64, fs: f64, n: usize, amplitude: f64) -> Vec<f64> {
        (0..n)
            .map(|i| amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / fs).sin())
            .collect()
    }

    #[test]
    fn sample_rate_from_common_names() {
        assert_eq!(sample_rate(Some(&json!({"fs": 1000}))), Some(1000.0));
        assert_eq!(
            sample_rate(Some(&json!({"sampleRate": "48000"}))),
            Some(48000.0)
        );
        assert_eq!(sample_rate(Some(&json!({"sample_rate": 2.5}))), Some(2.5));
        assert_eq!(sample_rate(Some(&json!({"fs": 0}))), None);
        assert_eq!(sample_rate(Some(&json!({"fs": "fast"}))), None);
        assert_eq!(sample_rate(Some(&json!({"nested": {"fs": 10}}))), None);
        assert_eq!(sample_rate(Some(&json!([1, 2]))), None);
        assert_eq!(sample_rate(None), None);
        assert_eq!(rate_value(&json!(-5)), None);
        assert_eq!(rate_value(&json!(" 250 ")), Some(250.0));
        assert_eq!(rate_value(&json!(null)), None);
    }

    #[test]
    fn power_spectrum_of_a_sine_is_its_mean_square_at_its_bin() {
        let p = power_spectrum(&sine(50.0, 1000.0, 1000, 2.0));
        assert_eq!(p.len(), 501);
        assert_eq!(peak_bin(&p), Some(50));
        assert!((p[50] - 2.0).abs() < 1e-9, "{}", p[50]);
        assert!(power_spectrum(&[]).is_empty());
        // Odd length: n/2 + 1 bins, the last one mirrored.
        assert_eq!(power_spectrum(&[1.0, 0.0, -1.0]).len(), 2);
    }

    #[test]
    fn peak_frequency_leaves_dc_out() {
        assert_eq!(
            peak_frequency(&sine(50.0, 1000.0, 1000, 1.0), 1000.0),
            Some(50.0)
        );
        let offset: Vec<f64> = sine(120.0, 1000.0, 500, 0.1)
            .into_iter()
            .map(|v| v + 100.0)
            .collect();
        assert_eq!(peak_frequency(&offset, 1000.0), Some(120.0));
        assert_eq!(peak_frequency(&[3.0; 16], 1000.0), None, "DC only");
        assert_eq!(peak_frequency(&[1.0], 1000.0), None, "no bin but DC");
        assert_eq!(peak_frequency(&[], 1000.0), None);
        assert_eq!(peak_bin(&[5.0, 1.0, 1.0]), Some(1), "lowest bin on a tie");
    }
}
