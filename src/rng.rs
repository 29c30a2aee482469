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
//!
//! [`Rng`] implements the rand ecosystem's traits from `rand_core` 0.10 (where 0.9's
//! `RngCore` became `TryRng`, with `rand_core::Rng` implemented for every infallible one):
//! [`rand_core::TryRng`] with `Error = Infallible`, and [`rand_core::SeedableRng`], so that the
//! `rand` crate's distributions can draw from it. The traits add no second stream: `next_u64`
//! is the generator's own, `next_u32` its high half (as the `rand_xoshiro` crate does),
//! `fill_bytes` its words little-endian; `seed_from_u64(s)` is [`Rng::new`]`(s)` (SplitMix64,
//! as the reference implementation and `rand_xoshiro` seed it, not rand_core's default PCG32),
//! and `from_seed` takes the four state words little-endian.

use rand_core::{Infallible, SeedableRng, TryRng};

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

    /// The generator with state words `s`. All zero is xoshiro's one fixed point (it would
    /// return 0 forever), so it is replaced by the state of seed 0, as `rand_xoshiro` does.
    pub fn from_state(s: [u64; 4]) -> Self {
        if s == [0; 4] {
            Rng::new(0)
        } else {
            Rng { s }
        }
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

impl TryRng for Rng {
    type Error = Infallible;

    /// The high 32 bits of the next word (xoshiro's low bits are its weakest).
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((Rng::next_u64(self) >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(Rng::next_u64(self))
    }

    /// Whole words, little-endian; the last word's unused bytes are dropped.
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand_core::utils::fill_bytes_via_next_word(dst, || Ok::<u64, Infallible>(Rng::next_u64(self)))
    }
}

impl SeedableRng for Rng {
    /// The four state words, little-endian.
    type Seed = [u8; 32];

    fn from_seed(seed: [u8; 32]) -> Self {
        let mut s = [0u64; 4];
        for (word, bytes) in s.iter_mut().zip(seed.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(bytes);
            *word = u64::from_le_bytes(le);
        }
        Rng::from_state(s)
    }

    /// [`Rng::new`]: the same stream as every other seeded use in eigenlens.
    fn seed_from_u64(seed: u64) -> Self {
        Rng::new(seed)
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

    /// The stream is fixed: these values were recorded before the rand_core traits were added,
    /// and equal a Python transcription of Vigna's reference xoshiro256++ seeded by SplitMix64:
    ///
    /// ```python
    /// M = (1 << 64) - 1
    /// def sm(st):
    ///     st = (st + 0x9E3779B97F4A7C15) & M; z = st
    ///     z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    ///     z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    ///     return st, z ^ (z >> 31)
    /// rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
    /// def stream(seed, k):
    ///     s, st = [], seed
    ///     for _ in range(4): st, z = sm(st); s.append(z)
    ///     for _ in range(k):
    ///         yield (rotl((s[0] + s[3]) & M, 23) + s[0]) & M
    ///         t = (s[1] << 17) & M
    ///         s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
    /// ```
    #[test]
    fn the_stream_of_a_seed_is_unchanged() {
        let first = |seed: u64| {
            let mut r = Rng::new(seed);
            [r.next_u64(), r.next_u64(), r.next_u64(), r.next_u64()]
        };
        assert_eq!(first(42), [15021278609987233951, 5881210131331364753, 18149643915985481100, 12933668939759105464]);
        assert_eq!(first(0), [5987356902031041503, 7051070477665621255, 6633766593972829180, 211316841551650330]);
        // What is drawn from the words, recorded (as bits) before the traits were added too.
        let mut r = Rng::new(42);
        assert_eq!([r.uniform().to_bits(), r.uniform().to_bits()], [4605509828241559244, 4599414989186784204]);
        let mut v = [0.0; 3];
        r.fill_normal(&mut v);
        assert_eq!(v.map(f64::to_bits), [4608715109237900046, 4600919044288970341, 13830232182625750770]);
    }

    #[test]
    fn the_rand_core_traits_give_the_same_stream() {
        use rand_core::Rng as _;
        let mut own = Rng::new(42);
        let mut seeded = <Rng as SeedableRng>::seed_from_u64(42);
        assert_eq!(rand_core::Rng::next_u64(&mut seeded), own.next_u64());
        assert_eq!(seeded.next_u32(), (own.next_u64() >> 32) as u32);
        // 12 bytes: one word whole, then the low 4 bytes of the next (little-endian).
        let mut bytes = [0u8; 12];
        seeded.fill_bytes(&mut bytes);
        let (w0, w1) = (own.next_u64().to_le_bytes(), own.next_u64().to_le_bytes());
        assert_eq!(bytes[..8], w0);
        assert_eq!(bytes[8..], w1[..4]);
        // from_seed takes the state words little-endian: SplitMix64's four words of seed 42
        // give Rng::new(42).
        let mut sm = 42u64;
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut sm).to_le_bytes());
        }
        assert_eq!(Rng::from_seed(seed).next_u64(), 15021278609987233951);
        // The all-zero state would be stuck at 0; it is seed 0's stream instead.
        assert_eq!(Rng::from_seed([0; 32]).next_u64(), 5987356902031041503);
        // The state words 1, 2, 3, 4: the reference C code's first outputs (as quoted in the
        // tests of the rand_xoshiro crate; equal to the Python transcription above).
        let mut seed = [0u8; 32];
        for (k, chunk) in seed.chunks_exact_mut(8).enumerate() {
            chunk[0] = k as u8 + 1;
        }
        let mut r = Rng::from_seed(seed);
        let want = [41943041, 58720359, 3588806011781223, 3591011842654386, 9228616714210784205];
        assert_eq!([(); 5].map(|_| r.next_u64()), want);
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
