//! A set of thread ids with no upper bound, as cheap as a `u128` for the threads that
//! nearly every model has. Threads 0..128 live in an inline `u128` (one or two machine
//! words, no allocation, the same bit tricks the schedulers used before); higher ids spill
//! into a vector of 64-bit words that stays empty, and costs nothing but an emptiness test,
//! until a thread beyond 127 exists. The spill never ends in a zero word, so equality and
//! emptiness are plain field comparisons. Schedulers, the execution's runnable set and the
//! partial-order reduction's per-decision sets all use it.

/// Bits held inline.
const INLINE: u32 = 128;

/// The empty set, for points that have no set to give (`Point::sleeping`).
pub static NO_THREADS: ThreadSet = ThreadSet::new();

/// A set of thread ids (any `u32` below `NONE`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ThreadSet {
    /// Threads 0..128: bit i is thread i.
    lo: u128,
    /// Threads 128..: word w, bit b is thread 128 + 64 * w + b. No trailing zero word.
    hi: Vec<u64>,
}

impl ThreadSet {
    /// The empty set (allocates nothing).
    pub const fn new() -> ThreadSet {
        ThreadSet {
            lo: 0,
            hi: Vec::new(),
        }
    }

    /// The set holding `t` alone.
    pub fn single(t: u32) -> ThreadSet {
        let mut s = ThreadSet::new();
        s.insert(t);
        s
    }

    /// The threads `0..n`.
    pub fn below(n: u32) -> ThreadSet {
        let mut s = ThreadSet::new();
        s.lo = if n >= INLINE {
            u128::MAX
        } else {
            (1u128 << n) - 1
        };
        if n > INLINE {
            let rest = n - INLINE;
            s.hi = vec![u64::MAX; (rest / 64) as usize];
            if rest % 64 != 0 {
                s.hi.push((1u64 << (rest % 64)) - 1);
            }
        }
        s
    }

    /// Whether `t` is in the set.
    #[inline]
    pub fn contains(&self, t: u32) -> bool {
        if t < INLINE {
            self.lo >> t & 1 != 0
        } else {
            let (w, b) = split(t);
            self.hi.get(w).is_some_and(|&x| x >> b & 1 != 0)
        }
    }

    /// Adds `t`.
    #[inline]
    pub fn insert(&mut self, t: u32) {
        if t < INLINE {
            self.lo |= 1 << t;
        } else {
            self.insert_hi(t);
        }
    }

    #[inline(never)]
    fn insert_hi(&mut self, t: u32) {
        let (w, b) = split(t);
        if self.hi.len() <= w {
            self.hi.resize(w + 1, 0);
        }
        self.hi[w] |= 1 << b;
    }

    /// Removes `t`.
    #[inline]
    pub fn remove(&mut self, t: u32) {
        if t < INLINE {
            self.lo &= !(1 << t);
        } else {
            self.remove_hi(t);
        }
    }

    #[inline(never)]
    fn remove_hi(&mut self, t: u32) {
        let (w, b) = split(t);
        if let Some(x) = self.hi.get_mut(w) {
            *x &= !(1 << b);
            self.trim();
        }
    }

    /// Drops trailing zero words (the invariant that makes `==` and `is_empty` exact).
    fn trim(&mut self) {
        while self.hi.last() == Some(&0) {
            self.hi.pop();
        }
    }

    /// Empties the set, keeping its buffer.
    #[inline]
    pub fn clear(&mut self) {
        self.lo = 0;
        self.hi.clear();
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.lo == 0 && self.hi.is_empty()
    }

    /// Whether the set holds two threads or more (the test every scheduling point makes).
    #[inline]
    pub fn several(&self) -> bool {
        if self.hi.is_empty() {
            self.lo & self.lo.wrapping_sub(1) != 0
        } else {
            // The spill holds at least one thread (it ends in a non-zero word).
            self.lo != 0 || self.hi.len() > 1 || self.hi[0].count_ones() > 1
        }
    }

    /// Whether the set holds a thread other than `t`.
    #[inline]
    pub fn has_other_than(&self, t: u32) -> bool {
        self.several() || (!self.is_empty() && !self.contains(t))
    }

    /// How many threads the set holds.
    pub fn len(&self) -> u32 {
        self.lo.count_ones() + self.hi.iter().map(|w| w.count_ones()).sum::<u32>()
    }

    /// The lowest thread.
    #[inline]
    pub fn first(&self) -> Option<u32> {
        if self.lo != 0 {
            Some(self.lo.trailing_zeros())
        } else {
            self.first_hi_from(0)
        }
    }

    /// The lowest thread of the spill in words `from..`.
    fn first_hi_from(&self, from: usize) -> Option<u32> {
        self.hi
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, &x)| x != 0)
            .map(|(w, &x)| join(w, x.trailing_zeros()))
    }

    /// The highest thread.
    #[inline]
    pub fn last(&self) -> Option<u32> {
        match self.hi.last() {
            Some(&x) => Some(join(self.hi.len() - 1, 63 - x.leading_zeros())),
            None if self.lo != 0 => Some(INLINE - 1 - self.lo.leading_zeros()),
            None => None,
        }
    }

    /// The lowest thread above `t`.
    pub fn next_after(&self, t: u32) -> Option<u32> {
        if t < INLINE - 1 {
            let above = self.lo & (u128::MAX << (t + 1));
            if above != 0 {
                return Some(above.trailing_zeros());
            }
            return self.first_hi_from(0);
        }
        let next = t.checked_add(1)?;
        let (w, b) = split(next);
        let x = *self.hi.get(w)? & (u64::MAX << b);
        if x != 0 {
            return Some(join(w, x.trailing_zeros()));
        }
        self.first_hi_from(w + 1)
    }

    /// The `k`-th (0-based) lowest thread.
    pub fn nth(&self, mut k: u32) -> Option<u32> {
        let n = self.lo.count_ones();
        if k < n {
            let mut m = self.lo;
            for _ in 0..k {
                m &= m - 1;
            }
            return Some(m.trailing_zeros());
        }
        k -= n;
        for (w, &x) in self.hi.iter().enumerate() {
            let n = x.count_ones();
            if k < n {
                let mut m = x;
                for _ in 0..k {
                    m &= m - 1;
                }
                return Some(join(w, m.trailing_zeros()));
            }
            k -= n;
        }
        None
    }

    /// The raw bits: threads 0..128, then 64 per word from 128 (no trailing zero word), for
    /// hashing (a set of threads below 128 hashes as the `u128` it used to be).
    pub fn words(&self) -> (u128, &[u64]) {
        (self.lo, &self.hi)
    }

    /// The threads in increasing order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lo: self.lo,
            hi: &self.hi,
            w: 0,
            cur: 0,
        }
    }

    /// Adds every thread of `other`.
    pub fn union_with(&mut self, other: &ThreadSet) {
        self.lo |= other.lo;
        if self.hi.len() < other.hi.len() {
            self.hi.resize(other.hi.len(), 0);
        }
        for (x, &y) in self.hi.iter_mut().zip(&other.hi) {
            *x |= y;
        }
    }

    /// Removes every thread of `other`.
    pub fn subtract(&mut self, other: &ThreadSet) {
        self.lo &= !other.lo;
        for (x, &y) in self.hi.iter_mut().zip(&other.hi) {
            *x &= !y;
        }
        self.trim();
    }

    /// Keeps only the threads also in `other`.
    pub fn intersect_with(&mut self, other: &ThreadSet) {
        self.lo &= other.lo;
        self.hi.truncate(other.hi.len());
        for (x, &y) in self.hi.iter_mut().zip(&other.hi) {
            *x &= y;
        }
        self.trim();
    }
}

/// Word and bit of a thread beyond the inline part.
#[inline]
fn split(t: u32) -> (usize, u32) {
    let r = t - INLINE;
    ((r / 64) as usize, r % 64)
}

/// The thread at bit `b` of spill word `w`.
#[inline]
fn join(w: usize, b: u32) -> u32 {
    INLINE + w as u32 * 64 + b
}

impl FromIterator<u32> for ThreadSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> ThreadSet {
        let mut s = ThreadSet::new();
        for t in iter {
            s.insert(t);
        }
        s
    }
}

impl std::fmt::Debug for ThreadSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The threads of a set in increasing order.
pub struct Iter<'a> {
    /// Inline threads not yet returned.
    lo: u128,
    hi: &'a [u64],
    /// The spill word being read (`cur` holds its bits not yet returned).
    w: usize,
    cur: u64,
}

impl Iterator for Iter<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.lo != 0 {
            let t = self.lo.trailing_zeros();
            self.lo &= self.lo - 1;
            return Some(t);
        }
        loop {
            if self.cur != 0 {
                let b = self.cur.trailing_zeros();
                self.cur &= self.cur - 1;
                return Some(join(self.w - 1, b));
            }
            let &x = self.hi.get(self.w)?;
            self.cur = x;
            self.w += 1;
        }
    }
}

impl<'a> IntoIterator for &'a ThreadSet {
    type Item = u32;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: a sorted, deduplicated vector.
    fn model(ids: &[u32]) -> Vec<u32> {
        let mut v = ids.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    }

    const SAMPLES: [&[u32]; 7] = [
        &[],
        &[0],
        &[5, 3, 127],
        &[128],
        &[0, 127, 128, 191, 192, 4095],
        &[64, 200, 1000, 1001, 3000],
        &[4095, 1, 130, 129, 70_000],
    ];

    #[test]
    fn queries_agree_with_a_sorted_list() {
        for ids in SAMPLES {
            let s: ThreadSet = ids.iter().copied().collect();
            let m = model(ids);
            assert_eq!(s.iter().collect::<Vec<_>>(), m, "{ids:?}");
            assert_eq!(s.len() as usize, m.len());
            assert_eq!(s.is_empty(), m.is_empty());
            assert_eq!(s.several(), m.len() >= 2, "{ids:?}");
            assert_eq!(s.first(), m.first().copied());
            assert_eq!(s.last(), m.last().copied());
            for k in 0..=m.len() as u32 {
                assert_eq!(s.nth(k), m.get(k as usize).copied(), "{ids:?} nth {k}");
            }
            for t in [
                0, 1, 3, 5, 63, 64, 126, 127, 128, 129, 191, 192, 999, 4095, 70_000,
            ] {
                assert_eq!(s.contains(t), m.contains(&t), "{ids:?} contains {t}");
                let next = m.iter().copied().find(|&x| x > t);
                assert_eq!(s.next_after(t), next, "{ids:?} next after {t}");
                let other = m.iter().any(|&x| x != t);
                assert_eq!(s.has_other_than(t), other, "{ids:?} other than {t}");
            }
        }
        assert_eq!(ThreadSet::single(5).next_after(u32::MAX - 1), None);
    }

    #[test]
    fn removing_the_high_threads_gives_back_the_inline_set() {
        let mut s: ThreadSet = [3, 200, 5000].into_iter().collect();
        s.remove(5000);
        s.remove(200);
        assert_eq!(s, ThreadSet::single(3), "no trailing zero words left");
        assert!(!s.several());
        s.remove(3);
        assert!(s.is_empty());
        assert_eq!(s, ThreadSet::new());
        s.remove(9000); // absent: no effect
        assert!(s.is_empty());
    }

    #[test]
    fn set_operations_agree_with_sorted_lists() {
        for a in SAMPLES {
            for b in SAMPLES {
                let (sa, sb): (ThreadSet, ThreadSet) =
                    (a.iter().copied().collect(), b.iter().copied().collect());
                let (ma, mb) = (model(a), model(b));
                let mut u = sa.clone();
                u.union_with(&sb);
                let mut mu = [ma.clone(), mb.clone()].concat();
                mu.sort_unstable();
                mu.dedup();
                assert_eq!(u.iter().collect::<Vec<_>>(), mu);
                let mut d = sa.clone();
                d.subtract(&sb);
                let md: Vec<u32> = ma.iter().copied().filter(|x| !mb.contains(x)).collect();
                assert_eq!(d.iter().collect::<Vec<_>>(), md);
                assert_eq!(d, md.iter().copied().collect::<ThreadSet>(), "canonical");
                let mut i = sa.clone();
                i.intersect_with(&sb);
                let mi: Vec<u32> = ma.iter().copied().filter(|x| mb.contains(x)).collect();
                assert_eq!(
                    i,
                    mi.iter().copied().collect::<ThreadSet>(),
                    "{a:?} & {b:?}"
                );
            }
        }
    }

    #[test]
    fn below_holds_exactly_the_first_n_threads() {
        for n in [0, 1, 2, 64, 127, 128, 129, 191, 192, 193, 1000] {
            let s = ThreadSet::below(n);
            assert_eq!(s.len(), n);
            assert_eq!(s.last(), n.checked_sub(1));
            assert_eq!(s, (0..n).collect::<ThreadSet>(), "below({n})");
        }
    }

    #[test]
    fn clone_from_reuses_the_spill_and_debug_lists_the_threads() {
        let big: ThreadSet = [1, 300].into_iter().collect();
        let mut s = ThreadSet::new();
        s.clone_from(&big);
        assert_eq!(s, big);
        s.clone_from(&ThreadSet::single(2));
        assert_eq!(s, ThreadSet::single(2));
        assert_eq!(format!("{big:?}"), "{1, 300}");
    }
}
