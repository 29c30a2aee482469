//! A seeded random stream that gives the same numbers on every platform, so that the page
//! (wasm32) reproduces the command line: toy-model training, random projections, shuffles,
//! synthetic codes.
//!
//! `rand::rngs::SmallRng` is xoshiro256++ on 64-bit targets but xoshiro128++ on 32-bit ones
//! (wasm32), so a browser run would not reproduce the command line. eigenlens therefore
//! carries its own xoshiro256++ (Blackman & Vigna 2019) seeded through SplitMix64, and draws its
//! normals by Marsaglia's polar method with a logarithm written here from `+ − × ÷` alone:
//! libm's `ln`/`exp` may differ in the last bit between platforms, IEEE arithmetic and `sqrt`
//! may not. Training is then bit-identical natively and in WebAssembly.

/// One step of SplitMix64 (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of run `index` of a sweep seeded with `seed`: a hash of both, so that each
/// sparsity can be trained alone (another worker, another process) with the same numbers.
pub fn derive_seed(seed: u64, index: usize) -> u64 {
    let mut s = seed ^ (index as u64).wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut s)
}

/// xoshiro256++, the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// Seeds the four words from SplitMix64, as the reference implementation recommends.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Rng { s }
    }

    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on [0, 1) with 52 random bits: the top bits as the mantissa of a number in
    /// [1, 2), minus 1 (cheaper than an integer-to-float conversion, and exact).
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        f64::from_bits(0x3ff0_0000_0000_0000 | (self.next_u64() >> 12)) - 1.0
    }

    /// Uniform on 0..n (Lemire's multiply-shift; the bias is below n/2⁶⁴). n must be > 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() >> 63 == 1
    }

    /// Shuffles `items` uniformly (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// A unit vector uniform on the sphere in `d` dimensions (normalised Gaussian).
    pub fn unit_vector(&mut self, d: usize) -> Vec<f64> {
        let mut v = vec![0.0; d];
        loop {
            self.fill_normal(&mut v);
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|x| *x /= norm);
                return v;
            }
        }
    }

    /// Fills `out` with independent standard normals (Marsaglia's polar method, in pairs).
    pub fn fill_normal(&mut self, out: &mut [f64]) {
        let mut i = 0;
        while i < out.len() {
            let (a, b) = loop {
                let u = 2.0 * self.uniform() - 1.0;
                let v = 2.0 * self.uniform() - 1.0;
                let s = u * u + v * v;
                if s < 1.0 && s > 0.0 {
                    let f = (-2.0 * ln(s) / s).sqrt();
                    break (u * f, v * f);
                }
            };
            out[i] = a;
            if i + 1 < out.len() {
                out[i + 1] = b;
            }
            i += 2;
        }
    }
}

/// Natural logarithm of a positive finite `x` from IEEE arithmetic only (≈ 1 ulp), so that it
/// is the same on every platform: x = 2ᵉ·μ with μ ∈ [√½, √2), ln μ = 2 atanh((μ − 1)/(μ + 1)).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= (1u64 << 54) as f64;
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut mu = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if mu > std::f64::consts::SQRT_2 {
        mu *= 0.5;
        e += 1;
    }
    let z = (mu - 1.0) / (mu + 1.0);
    let z2 = z * z;
    // |z| ≤ 0.1716, z² ≤ 0.0295: 13 odd terms leave < 1e-19.
    let mut series = 0.0;
    for k in (0..13).rev() {
        series = series * z2 + 1.0 / (2 * k + 1) as f64;
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * z * series
}

/// eˣ from IEEE arithmetic only (≈ 1 ulp): x = k·ln 2 + r, |r| ≤ ½ ln 2, Taylor series in r.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.78 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    // ln 2 split as in fdlibm: LN2_HI has its low 32 bits zero, so k·LN2_HI is exact.
    let ln2_hi = f64::from_bits(0x3fe6_2e42_fee0_0000);
    let ln2_lo = f64::from_bits(0x3dea_39ef_3579_3c76);
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = (x - k * ln2_hi) - k * ln2_lo;
    // |r| ≤ 0.347: terms through r¹⁸/18! leave < 1e-20.
    let mut sum = 1.0;
    for j in (1..=18).rev() {
        sum = 1.0 + sum * r / j as f64;
    }
    let k = k as i64;
    // 2ᵏ in two halves, so that subnormal results are reached without overflow of the exponent.
    let (k1, k2) = (k / 2, k - k / 2);
    let pow2 = |p: i64| f64::from_bits(((p + 1023) as u64) << 52);
    sum * pow2(k1) * pow2(k2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_and_exp_match_libm() {
        for &x in &[1e-300, 1e-10, 0.001, 0.3, 0.5, 0.999, 1.0, 1.5, 2.0, 20.0, 1e10, 1e300, 5e-324] {
            let (a, b) = (ln(x), x.ln());
            assert!((a - b).abs() <= 2e-16 * b.abs().max(1.0), "ln {x}: {a} vs {b}");
        }
        for &x in &[-745.0, -700.0, -3.0, -1.0, -0.5, 0.0, 1e-8, 0.5, 1.0, 2.99, 100.0, 709.0] {
            let (a, b) = (exp(x), x.exp());
            assert!((a - b).abs() <= 4e-16 * b.abs() + 1e-320, "exp {x}: {a} vs {b}");
        }
    }

    #[test]
    fn normals_have_unit_variance() {
        let mut r = Rng::new(7);
        let mut v = vec![0.0; 100_001];
        r.fill_normal(&mut v);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.02, "{mean} {var}");
    }
}
