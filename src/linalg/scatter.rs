//! The scatter kernel: S += BᵀB on the upper triangle, for a block B of centred rows.
//!
//! This is where nearly all the time of an analysis goes (N·D²/2 multiply-adds). The block is
//! packed into column panels of [`NR`] units, row after row, so that a tile of S is computed
//! from two small contiguous panels that stay in L1 while the accumulators stay in registers.
//! Plain Rust that LLVM vectorises: SSE2/AVX natively, simd128 in wasm.

/// Units per packed panel (columns of a tile).
pub const NR: usize = 8;
/// Rows of a tile computed at once.
const MR: usize = 4;
/// Rows of the block packed at a time: a panel of KC × NR f64 is 16 KiB.
const KC: usize = 256;

/// Adds `BᵀB` to the upper triangle (and the diagonal tiles) of the row-major `d × d` matrix
/// `s`, where `block` holds `n` rows of `d` values. Entries below the diagonal tiles are not
/// touched; read the result through the upper triangle.
pub fn add_gram_upper(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { add_gram_upper_avx2(s, d, block, n) };
    }
    add_gram_upper_generic(s, d, block, n);
}

/// The same kernel compiled for AVX2 (4 f64 lanes instead of SSE2's 2), chosen at run time so
/// that one native binary runs everywhere. No FMA: the sums are the same, bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn add_gram_upper_avx2(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    add_gram_upper_generic(s, d, block, n);
}

#[inline(always)]
fn add_gram_upper_generic(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    debug_assert!(s.len() >= d * d && block.len() >= n * d);
    let panels = d.div_ceil(NR);
    let mut packed = vec![0.0f64; panels * KC * NR];
    let mut k0 = 0;
    while k0 < n {
        let kc = KC.min(n - k0);
        pack(&mut packed, block, d, k0, kc);
        for ip in 0..panels {
            let a = &packed[ip * KC * NR..ip * KC * NR + kc * NR];
            for jp in ip..panels {
                let b = &packed[jp * KC * NR..jp * KC * NR + kc * NR];
                for half in 0..NR / MR {
                    let tile = micro_kernel(a, b, kc, half * MR);
                    store(s, d, ip * NR + half * MR, jp * NR, &tile);
                }
            }
        }
        k0 += kc;
    }
}

/// Packs rows `k0..k0+kc` of `block` into panels: panel p, row k, lane c = block[k][p·NR + c].
fn pack(packed: &mut [f64], block: &[f64], d: usize, k0: usize, kc: usize) {
    let panels = d.div_ceil(NR);
    for p in 0..panels {
        let c0 = p * NR;
        let width = NR.min(d - c0);
        let panel = &mut packed[p * KC * NR..p * KC * NR + kc * NR];
        for k in 0..kc {
            let src = &block[(k0 + k) * d + c0..(k0 + k) * d + c0 + width];
            let dst = &mut panel[k * NR..k * NR + NR];
            dst[..width].copy_from_slice(src);
            dst[width..].fill(0.0);
        }
    }
}

/// acc[r][c] = Σ_k a[k][r0 + r] · b[k][c] for a tile of MR × NR.
#[inline(always)]
fn micro_kernel(a: &[f64], b: &[f64], kc: usize, r0: usize) -> [[f64; NR]; MR] {
    let mut acc = [[0.0f64; NR]; MR];
    for k in 0..kc {
        let ak: &[f64; NR] = a[k * NR..k * NR + NR].try_into().unwrap_or(&[0.0; NR]);
        let bk: &[f64; NR] = b[k * NR..k * NR + NR].try_into().unwrap_or(&[0.0; NR]);
        for r in 0..MR {
            let x = ak[r0 + r];
            for c in 0..NR {
                acc[r][c] += x * bk[c];
            }
        }
    }
    acc
}

fn store(s: &mut [f64], d: usize, i0: usize, j0: usize, tile: &[[f64; NR]; MR]) {
    for (r, row) in tile.iter().enumerate() {
        let i = i0 + r;
        if i >= d {
            break;
        }
        let width = NR.min(d - j0);
        let dst = &mut s[i * d + j0..i * d + j0 + width];
        for (o, v) in dst.iter_mut().zip(row.iter()) {
            *o += v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_naive_product_on_odd_sizes() {
        for &(n, d) in &[(1usize, 1usize), (3, 5), (300, 13), (517, 17)] {
            let block: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 101) as f64 / 10.0 - 5.0).collect();
            let mut s = vec![0.0; d * d];
            add_gram_upper(&mut s, d, &block, n);
            for i in 0..d {
                for j in i..d {
                    let want: f64 = (0..n).map(|k| block[k * d + i] * block[k * d + j]).sum();
                    assert!((s[i * d + j] - want).abs() <= 1e-9 * want.abs().max(1.0), "({i},{j})");
                }
            }
        }
    }
}
