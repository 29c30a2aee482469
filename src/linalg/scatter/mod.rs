//! The scatter kernel: S += BᵀB on the upper triangle, for a block B of centred rows.
//!
//! This is where nearly all the time of an analysis goes (N·D²/2 multiply-adds). The block is
//! packed into column panels of [`NR`] units, row after row, so that a tile of S is computed
//! from two small contiguous panels that stay in L1 while the accumulators stay in registers.
//! Plain Rust that LLVM vectorises: SSE2/AVX natively, simd128 in wasm. On x86-64 CPUs with
//! AVX2 and FMA (chosen at run time) [`x86`] runs instead: a BLIS-style 6 × 8 FMA kernel.
//!
//! The relaxed-SIMD wasm build (`-C target-feature=+simd128,+relaxed-simd`,
//! `scripts/build-wasm.sh`) has its own micro-kernel written with `f64x2.relaxed_madd`
//! (`core::arch::wasm32::f64x2_relaxed_madd`): `acc ← x·b + acc` in one instruction, which the
//! engine may fuse (one rounding: V8 emits `vfmadd231pd` where the CPU has FMA) or not (two
//! roundings, the plain build's sum). Either way each entry is the same sum of the same
//! products in the same order; only the rounding of each step may differ, by at most one unit
//! in the last place per step. Its tile is [`MR`] = 2 rows × [`NR`] units: 8 accumulators, 4
//! panel vectors and a splat fit the 16 vector registers V8 allocates on x86-64.

#[cfg(target_arch = "x86_64")]
mod x86;

/// Units per packed panel (columns of a tile).
pub const NR: usize = 8;
/// Rows of a tile computed at once.
#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
const MR: usize = 4;
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
const MR: usize = 2;
/// Rows of the block packed at a time: a panel of KC × NR f64 is 16 KiB.
const KC: usize = 256;

/// Adds `BᵀB` to the upper triangle (and the diagonal tiles) of the row-major `d × d` matrix
/// `s`, where `block` holds `n` rows of `d` values. Entries below the diagonal tiles are not
/// touched; read the result through the upper triangle.
pub fn add_gram_upper(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { x86::add_gram_upper(s, d, block, n) };
    }
    add_gram_upper_plain(s, d, block, n);
}

super::multiversion! {
    /// The portable kernel, compiled for AVX2 (4 f64 lanes instead of SSE2's 2) on a CPU with
    /// AVX2 but no FMA; with both, [`x86::add_gram_upper`] runs instead.
    fn add_gram_upper_plain(s: &mut [f64], d: usize, block: &[f64], n: usize) => add_gram_upper_avx2, add_gram_upper_generic
}

#[inline(always)]
fn add_gram_upper_generic(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    debug_assert!(s.len() >= d * d && block.len() >= n * d);
    let panels = d.div_ceil(NR);
    with_buffers(panels * KC * NR, 0, |packed, _| {
        let mut k0 = 0;
        while k0 < n {
            let kc = KC.min(n - k0);
            pack(packed, block, d, k0, kc);
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
    });
}

thread_local! {
    /// The packing buffers, kept by each thread between calls: the moments call the scatter
    /// once per block, and a fresh `vec!` of megabytes each time was mapped, zeroed page by
    /// page and unmapped again (with a TLB shootdown across the reading threads), 3–4 % of an
    /// analysis at D = 1024. Every entry a kernel reads is written by a pack first, so what a
    /// buffer held before does not matter.
    static BUFFERS: std::cell::RefCell<(Vec<f64>, Vec<f64>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Runs `f` on this thread's packing buffers, grown to at least `len_b` and `len_a` doubles.
fn with_buffers<R>(len_b: usize, len_a: usize, f: impl FnOnce(&mut [f64], &mut [f64]) -> R) -> R {
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut bufs) => {
            let (b, a) = &mut *bufs;
            for (v, len) in [(&mut *b, len_b), (&mut *a, len_a)] {
                if v.len() < len {
                    v.resize(len, 0.0);
                }
            }
            f(&mut b[..len_b], &mut a[..len_a])
        }
        // Only a re-entrant call could find them borrowed; it gets buffers of its own.
        Err(_) => f(&mut vec![0.0; len_b], &mut vec![0.0; len_a]),
    })
}

/// Packs rows `k0..k0+kc` of `block` into panels: panel p, row k, lane c = block[k][p·NR + c].
fn pack(packed: &mut [f64], block: &[f64], d: usize, k0: usize, kc: usize) {
    let panels = d.div_ceil(NR);
    for p in 0..panels {
        let c0 = p * NR;
        let width = NR.min(d - c0);
        let panel = &mut packed[p * KC * NR..p * KC * NR + kc * NR];
        for (k, dst) in panel.chunks_exact_mut(NR).enumerate() {
            let src = &block[(k0 + k) * d + c0..(k0 + k) * d + c0 + width];
            copy_padded::<NR>(dst, src);
        }
    }
}

/// `dst` ← `src` followed by zeros. Full-width rows (all but a last partial panel) are copied
/// as one fixed-size array, which compiles to a few vector moves instead of a `memcpy` call
/// per row (the call was 5 % of an analysis at D = 2048).
#[inline(always)]
fn copy_padded<const W: usize>(dst: &mut [f64], src: &[f64]) {
    match (<&mut [f64; W]>::try_from(&mut *dst), <&[f64; W]>::try_from(src)) {
        (Ok(d), Ok(s)) => *d = *s,
        _ => {
            dst[..src.len()].copy_from_slice(src);
            dst[src.len()..].fill(0.0);
        }
    }
}

/// acc[r][c] = Σ_k a[k][r0 + r] · b[k][c] for a tile of MR × NR.
#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
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

/// The same tile with `f64x2.relaxed_madd`: lanes (c, c+1) of row r accumulate
/// `a[k][r0 + r] · b[k][c..c+2]` for k in order.
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
fn micro_kernel(a: &[f64], b: &[f64], kc: usize, r0: usize) -> [[f64; NR]; MR] {
    use core::arch::wasm32::*;
    const V: usize = NR / 2;
    let mut acc = [[f64x2_splat(0.0); V]; MR];
    for (ak, bk) in a[..kc * NR].chunks_exact(NR).zip(b[..kc * NR].chunks_exact(NR)) {
        let bv: [v128; V] = core::array::from_fn(|c| f64x2(bk[2 * c], bk[2 * c + 1]));
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let x = f64x2_splat(ak[r0 + r]);
            for (o, bc) in acc_r.iter_mut().zip(bv) {
                *o = f64x2_relaxed_madd(x, bc, *o);
            }
        }
    }
    let mut out = [[0.0f64; NR]; MR];
    for (row, acc_r) in out.iter_mut().zip(acc) {
        for (c, v) in acc_r.into_iter().enumerate() {
            row[2 * c] = f64x2_extract_lane::<0>(v);
            row[2 * c + 1] = f64x2_extract_lane::<1>(v);
        }
    }
    out
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

    /// Both kernels this CPU can run (the dispatched one — on x86-64 with AVX2 and FMA the 6 × 8
    /// FMA kernel — and the portable one) against the plain sum, on sizes that leave partial
    /// panels, micro-panels, row passes (KC = 256) and unit blocks (MC = 96), added onto a
    /// non-zero S as the moments do block after block.
    #[test]
    fn matches_the_naive_product_on_odd_sizes() {
        type Kernel = fn(&mut [f64], usize, &[f64], usize);
        let kernels: [(&str, Kernel); 2] = [("dispatched", add_gram_upper), ("portable", add_gram_upper_generic)];
        for &(n, d) in &[(1usize, 1usize), (3, 5), (300, 13), (517, 17), (700, 101), (260, 203)] {
            let block: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 101) as f64 / 10.0 - 5.0).collect();
            for (name, kernel) in kernels {
                let mut s: Vec<f64> = (0..d * d).map(|i| (i % 7) as f64).collect();
                kernel(&mut s, d, &block, n);
                for i in 0..d {
                    for j in i..d {
                        let want =
                            ((i * d + j) % 7) as f64 + (0..n).map(|k| block[k * d + i] * block[k * d + j]).sum::<f64>();
                        let tol = 1e-12 * (n as f64) * 25.0;
                        assert!((s[i * d + j] - want).abs() <= tol, "{name} n={n} d={d} ({i},{j})");
                    }
                }
            }
        }
    }
}
