//! Counting inversions while sorting, the core of Knight's algorithm for Kendall's score (see
//! the parent module): floats as order-preserving integer keys, runs of 8 sorted by a sorting
//! network, then branch-free bidirectional merges, first within cache-sized blocks.

/// A `u64` ordered as the finite `f64` it encodes (flip the sign bit of positives, every bit
/// of negatives; `-0.0` read as `0.0`), so that sorting compares integers, which compile to
/// conditional moves in the merge below.
pub(super) fn order_key(v: f64) -> u64 {
    let bits = (v + 0.0).to_bits();
    if bits >> 63 == 0 {
        bits | 1 << 63
    } else {
        !bits
    }
}

/// Inverse of [`order_key`].
pub(super) fn key_value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Length of the runs sorted by a sorting network before merging.
const NETWORK_RUN: usize = 8;

/// An optimal sorting network for 8 inputs: 19 comparators in 6 layers (Knuth, *The Art of
/// Computer Programming* vol. 3, §5.3.4).
const NETWORK_8: [(usize, usize); 19] = [
    (0, 2),
    (1, 3),
    (4, 6),
    (5, 7),
    (0, 4),
    (1, 5),
    (2, 6),
    (3, 7),
    (0, 1),
    (2, 3),
    (4, 5),
    (6, 7),
    (2, 4),
    (3, 5),
    (1, 4),
    (3, 6),
    (1, 2),
    (3, 4),
    (5, 6),
];

/// Elements sorted as one block before the levels that span blocks: a block and its scratch
/// (2 × 256 KiB) stay in a core's cache through their first dozen merge levels, so only the
/// last few levels stream through memory.
const CACHE_BLOCK: usize = 1 << 15;

/// Sorts ascending and returns the number of pairs `i < j` with `v_i > v_j` strictly (equal
/// values are not inversions): insertion sort of short runs, then bottom-up merges between two
/// buffers, first within cache-sized blocks and then across them; the merge is branch-free
/// (random data would mispredict a branch on every other element) and skipped when its halves
/// are already in order.
pub(super) fn sort_count_inversions(v: &mut Vec<u64>) -> u64 {
    let n = v.len();
    if n <= 1 {
        return 0;
    }
    let mut buf = vec![0u64; n];
    let mut inversions = 0u64;
    for (block, scratch) in v.chunks_mut(CACHE_BLOCK).zip(buf.chunks_mut(CACHE_BLOCK)) {
        inversions += sort_block_count(block, scratch);
    }
    let mut width = CACHE_BLOCK;
    while width < n {
        inversions += merge_level(v, &mut buf, width);
        std::mem::swap(v, &mut buf);
        width *= 2;
    }
    inversions
}

/// Sorts `block` in place (`scratch` is as long) and returns its inversions.
fn sort_block_count(block: &mut [u64], scratch: &mut [u64]) -> u64 {
    let mut inversions = 0u64;
    for run in block.chunks_mut(NETWORK_RUN) {
        inversions += match run.as_mut_array::<NETWORK_RUN>() {
            Some(run) => network_sort_count(run),
            None => insertion_sort_count(run),
        };
    }
    let mut width = NETWORK_RUN;
    let mut in_block = true;
    while width < block.len() {
        inversions += if in_block {
            merge_level(block, scratch, width)
        } else {
            merge_level(scratch, block, width)
        };
        in_block = !in_block;
        width *= 2;
    }
    if !in_block {
        block.copy_from_slice(scratch);
    }
    inversions
}

/// Merges each pair of adjacent sorted runs of `width` from `src` into `dst`; returns the
/// inversions between them.
fn merge_level(src: &[u64], dst: &mut [u64], width: usize) -> u64 {
    let mut inversions = 0u64;
    for (pair, out) in src.chunks(2 * width).zip(dst.chunks_mut(2 * width)) {
        let mid = width.min(pair.len());
        inversions += merge_count(&pair[..mid], &pair[mid..], out);
    }
    inversions
}

/// Sorts 8 values and returns their inversions, without a branch: the 28 pairs compared
/// directly, then [`NETWORK_8`] of min/max exchanges.
fn network_sort_count(run: &mut [u64; NETWORK_RUN]) -> u64 {
    let mut inversions = 0u64;
    for i in 0..NETWORK_RUN {
        for j in i + 1..NETWORK_RUN {
            inversions += u64::from(run[i] > run[j]);
        }
    }
    for (i, j) in NETWORK_8 {
        let (a, b) = (run[i], run[j]);
        run[i] = a.min(b);
        run[j] = a.max(b);
    }
    inversions
}

/// Insertion sort of a short run; returns its inversions (the number of shifts).
fn insertion_sort_count(run: &mut [u64]) -> u64 {
    let mut shifts = 0u64;
    for i in 1..run.len() {
        let x = run[i];
        let mut j = i;
        while j > 0 && run[j - 1] > x {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = x;
        shifts += (i - j) as u64;
    }
    shifts
}

/// Merges the sorted `a` and `b` into `out` (stable); returns the pairs `x` in `a`, `y` in
/// `b` with `x > y`, counted per `y` as the elements of `a` above it.
///
/// Bidirectional: the smallest half is merged from the front while the largest half is merged
/// from the back, two independent dependency chains for the processor to overlap. An exhausted
/// side reads as a sentinel that never wins (`u64::MAX` in front, 0 at the back: no finite
/// value's [`order_key`] is either).
fn merge_count(a: &[u64], b: &[u64], out: &mut [u64]) -> u64 {
    debug_assert_eq!(a.len() + b.len(), out.len());
    if a.last().zip(b.first()).is_none_or(|(x, y)| x <= y) {
        out[..a.len()].copy_from_slice(a);
        out[a.len()..].copy_from_slice(b);
        return 0;
    }
    let n = out.len();
    // Front: a[..i] and b[..j] are in out[..i + j]. Back: a[ia..] and b[jb..] are in
    // out[ia + jb..].
    let (mut i, mut j) = (0, 0);
    let (mut ia, mut jb) = (a.len(), b.len());
    let mut inversions = 0u64;
    // Neither side can run out in front or at the back within the first min(|a|, |b|) steps
    // (all of them when the halves are equal, as in every full merge of a level), so those
    // read without the sentinel checks.
    let steps = n / 2;
    let unchecked = steps.min(a.len()).min(b.len());
    for _ in 0..unchecked {
        // Front: the smaller head; on a tie `a`'s (stability). Every element of `a` not yet
        // taken in front is above a `b` element taken here.
        let (x, y) = (a[i], b[j]);
        let take_b = y < x;
        out[i + j] = std::hint::select_unpredictable(take_b, y, x);
        inversions += std::hint::select_unpredictable(take_b, (a.len() - i) as u64, 0);
        i += usize::from(!take_b);
        j += usize::from(take_b);
        // Back: the larger tail; on a tie `b`'s. A `b` element taken here is below exactly
        // the elements of `a` already taken at the back.
        let (x, y) = (a[ia - 1], b[jb - 1]);
        let take_a = x > y;
        out[ia + jb - 1] = std::hint::select_unpredictable(take_a, x, y);
        inversions += std::hint::select_unpredictable(take_a, 0, (a.len() - ia) as u64);
        ia -= usize::from(take_a);
        jb -= usize::from(!take_a);
    }
    for _ in unchecked..steps {
        let x = a.get(i).copied().unwrap_or(u64::MAX);
        let y = b.get(j).copied().unwrap_or(u64::MAX);
        let take_b = y < x;
        out[i + j] = std::hint::select_unpredictable(take_b, y, x);
        inversions += std::hint::select_unpredictable(take_b, (a.len() - i) as u64, 0);
        i += usize::from(!take_b);
        j += usize::from(take_b);
        let x = ia.checked_sub(1).map_or(0, |p| a[p]);
        let y = jb.checked_sub(1).map_or(0, |p| b[p]);
        let take_a = x > y;
        out[ia + jb - 1] = std::hint::select_unpredictable(take_a, x, y);
        inversions += std::hint::select_unpredictable(take_a, 0, (a.len() - ia) as u64);
        ia -= usize::from(take_a);
        jb -= usize::from(!take_a);
    }
    if n % 2 == 1 {
        let x = a.get(i).copied().unwrap_or(u64::MAX);
        let y = b.get(j).copied().unwrap_or(u64::MAX);
        let take_b = y < x;
        out[i + j] = if take_b { y } else { x };
        if take_b {
            inversions += (a.len() - i) as u64;
        }
    }
    inversions
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::trend::naive;

    proptest! {
        #[test]
        fn sort_count_inversions_sorts_and_counts_like_the_quadratic_definition(
            v in prop::collection::vec(0u64..20, 0..300),
        ) {
            let want = (0..v.len())
                .flat_map(|i| (i + 1..v.len()).map(move |j| (i, j)))
                .filter(|&(i, j)| v[i] > v[j])
                .count() as u64;
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let mut got = v.clone();
            prop_assert_eq!(sort_count_inversions(&mut got), want);
            prop_assert_eq!(got, sorted);
        }
    }

    #[test]
    fn the_eight_input_network_sorts_every_zero_one_input() {
        // The 0-1 principle (Knuth, TAOCP vol. 3, §5.3.4): a comparator network that sorts
        // every sequence of 0s and 1s sorts every sequence.
        for bits in 0u32..256 {
            let mut run: [u64; NETWORK_RUN] = std::array::from_fn(|i| u64::from(bits >> i & 1));
            let want = naive::inversions(&run);
            assert_eq!(network_sort_count(&mut run), want, "{bits:08b}");
            assert!(run.is_sorted(), "{bits:08b}: {run:?}");
        }
    }

    #[test]
    fn inversions_across_cache_blocks_match_the_reference_merge_sort() {
        // Three cache blocks and a partial one, with ties, from a fixed LCG.
        let mut state = 99u64;
        let v: Vec<u64> = (0..3 * CACHE_BLOCK + 1234)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) % 50_000
            })
            .collect();
        let want = naive::inversions(&v);
        let mut got = v.clone();
        assert_eq!(sort_count_inversions(&mut got), want);
        assert!(got.is_sorted());
    }

    #[test]
    fn order_keys_sort_like_the_floats_and_read_back() {
        let mut values = vec![
            -1e100,
            -3.5,
            -1e-100,
            -0.0,
            0.0,
            1e-100,
            2.0,
            2.5,
            1e100,
            f64::MIN,
            f64::MAX,
        ];
        values.sort_by(f64::total_cmp);
        let keys: Vec<u64> = values.iter().map(|v| order_key(*v)).collect();
        assert!(keys.is_sorted());
        assert_eq!(order_key(-0.0), order_key(0.0));
        assert!(
            keys.iter().all(|k| *k != 0 && *k != u64::MAX),
            "sentinels stay free"
        );
        for v in values {
            assert_eq!(key_value(order_key(v)), v + 0.0);
        }
    }
}
