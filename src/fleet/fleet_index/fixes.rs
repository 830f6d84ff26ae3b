//! One vehicle's fixes by device time, in chunks: a late fix (an offline buffer sent hours later,
//! imported history) is inserted into one chunk, moving at most [`CHUNK`] fixes, rather than
//! shifting the vehicle's whole history while the index's write lock keeps readers waiting.

/// Device time in microseconds, as PostgreSQL keeps it.
pub(super) type Micros = i64;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Fix {
    pub(super) at: Micros,
    pub(super) latitude: f64,
    pub(super) longitude: f64,
}

/// Most fixes in one chunk: inserting moves at most 4,096 × 24 bytes (96 KiB, a few
/// microseconds), and a vehicle with a year of fixes every 10 s (3.2 M) has some 800 chunks,
/// found by one binary search.
pub(super) const CHUNK: usize = 4096;

/// Fixes in time order; among fixes of the same time, in the order they came. Every fix of a
/// chunk is no later than any fix of the next. Only fixes from the index's horizon on are kept,
/// and the latest one before it.
#[derive(Debug, Default)]
pub(super) struct Fixes {
    chunks: Vec<Vec<Fix>>,
    /// The latest fix before the horizon: the answer from the horizon until the first kept fix.
    before_horizon: Option<Fix>,
}

impl Fixes {
    /// Keeps `fix` if it is at or after `horizon`; else only if it is the latest before it.
    pub(super) fn insert_from(&mut self, horizon: Micros, fix: Fix) {
        if fix.at >= horizon {
            self.insert(fix);
        } else if self.before_horizon.is_none_or(|b| b.at <= fix.at) {
            self.before_horizon = Some(fix);
        }
    }

    /// Forgets the fixes before `horizon` but the latest of them.
    pub(super) fn forget_before(&mut self, horizon: Micros) {
        let whole = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|f| f.at < horizon));
        let mut forgotten: Vec<Vec<Fix>> = self.chunks.drain(..whole).collect();
        if let Some(first) = self.chunks.first_mut() {
            let count = first.partition_point(|f| f.at < horizon);
            if count > 0 {
                forgotten.push(first.drain(..count).collect());
                first.shrink_to_fit();
            }
        }
        if let Some(latest) = forgotten.last().and_then(|chunk| chunk.last()) {
            self.before_horizon = Some(*latest);
        }
    }

    fn insert(&mut self, fix: Fix) {
        if self.chunks.is_empty() {
            let mut first = Vec::with_capacity(16);
            first.push(fix);
            self.chunks.push(first);
            return;
        }
        // The last chunk starting no later than the fix (the first, for the earliest fix).
        let index = self
            .chunks
            .partition_point(|chunk| chunk[0].at <= fix.at)
            .saturating_sub(1);
        let last = index == self.chunks.len() - 1;
        let chunk = &mut self.chunks[index];
        let place = chunk.partition_point(|f| f.at <= fix.at);
        if chunk.len() == CHUNK {
            if last && place == CHUNK {
                // In time order, the usual case: a new chunk, the full ones stay full.
                let mut next = Vec::with_capacity(16);
                next.push(fix);
                self.chunks.push(next);
                return;
            }
            let mut upper = chunk.split_off(CHUNK / 2);
            chunk.shrink_to_fit();
            upper.reserve_exact(CHUNK / 8);
            self.chunks.insert(index + 1, upper);
            return self.insert(fix);
        }
        // Grow by an eighth rather than doubling, and never past a chunk: at 24 bytes a fix, the
        // index of 10 M fixes stays near 250 MB instead of up to twice that in spare capacity.
        if chunk.len() == chunk.capacity() {
            chunk.reserve_exact((chunk.len() / 8).max(16).min(CHUNK - chunk.len()));
        }
        chunk.insert(place, fix);
    }

    /// The last fix at or before `at`, for `at` at or after the horizon.
    pub(super) fn latest_at(&self, at: Micros) -> Option<Fix> {
        let index = self.chunks.partition_point(|chunk| chunk[0].at <= at);
        let Some(chunk) = index.checked_sub(1).and_then(|i| self.chunks.get(i)) else {
            return self.before_horizon.filter(|b| b.at <= at);
        };
        let count = chunk.partition_point(|f| f.at <= at);
        Some(chunk[count - 1])
    }

    pub(super) fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// Bytes the fixes take, spare capacity included.
    pub(super) fn bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|chunk| chunk.capacity() * std::mem::size_of::<Fix>())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(at: Micros, n: usize) -> Fix {
        Fix {
            at,
            latitude: n as f64,
            longitude: 0.0,
        }
    }

    /// The plain answer: every fix in one sorted list.
    fn latest_in(all: &[Fix], at: Micros) -> Option<Fix> {
        all.iter().rev().find(|f| f.at <= at).copied()
    }

    #[test]
    fn fixes_in_any_order_answer_as_one_sorted_list_across_chunk_splits() {
        // Three chunks' worth: in order, then late ones all over, then ties.
        let mut fixes = Fixes::default();
        let mut all = Vec::new();
        let mut add = |at: Micros, fixes: &mut Fixes| {
            let f = fix(at, all.len());
            fixes.insert(f);
            let place = all.partition_point(|g: &Fix| g.at <= at);
            all.insert(place, f);
        };
        for n in 0..(3 * CHUNK as i64) {
            add(n * 10, &mut fixes);
        }
        // A deterministic spread of late fixes (a multiplicative hash of n).
        for n in 0..(2 * CHUNK as i64) {
            add((n * 7919) % (30 * CHUNK as i64), &mut fixes);
        }
        for _ in 0..10 {
            add(5_000, &mut fixes);
        }
        assert_eq!(fixes.len(), all.len());
        assert!(fixes.chunks.iter().all(|chunk| chunk.len() <= CHUNK));
        assert!(fixes.chunks.len() > 3, "late fixes split chunks");
        for at in (-5..(31 * CHUNK as i64)).step_by(3) {
            assert_eq!(fixes.latest_at(at), latest_in(&all, at), "at {at}");
        }
    }

    #[test]
    fn nothing_before_the_first_fix() {
        let mut fixes = Fixes::default();
        assert_eq!(fixes.latest_at(100), None);
        fixes.insert(fix(50, 0));
        assert_eq!(fixes.latest_at(49), None);
        assert_eq!(fixes.latest_at(50), Some(fix(50, 0)));
    }
}
