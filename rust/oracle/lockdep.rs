//! Lockdep's lock-order graph: one per execution (edges from boot are kept), between lock
//! classes, with where each edge was first seen so the circular report can show the chain.
//!
//! Edges are only added for validated classes (not `lockdep_set_novalidate_class`, which the
//! kernel uses for device_lock). Reset clears just the edges of the last execution.

/// An ordering edge `from -> to`: `to` was taken while `from` was held.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub tid: u32,
    /// Where `to` was acquired (function, pc).
    pub func: u32,
    pub pc: u32,
}

/// The lock-order graph.
#[derive(Clone, Debug, Default)]
pub struct LockGraph {
    n: usize,
    /// `edge_at[from * n + to]` = edge index + 1, or 0.
    edge_at: Vec<u32>,
    pub edges: Vec<Edge>,
    base_len: usize,
    /// Scratch for path searches (reused, no allocation when warm).
    prev: Vec<u32>,
    queue: Vec<u32>,
}

impl LockGraph {
    /// An order-free hash of the edge set (the stateful search's state fingerprint: the
    /// edges decide later reports, their order and stacks do not).
    pub fn fingerprint(&self) -> u64 {
        self.edges.iter().fold(0u64, |acc, e| {
            let x = ((e.from as u64) << 32) | e.to as u64;
            acc.wrapping_add(crate::exec::state::set_element(x))
        })
    }

    /// A graph over `n` lock classes.
    pub fn new(n: usize) -> LockGraph {
        LockGraph {
            n,
            edge_at: vec![0; n * n],
            edges: Vec::new(),
            base_len: 0,
            prev: vec![u32::MAX; n],
            queue: Vec::with_capacity(n),
        }
    }

    /// Keeps the current edges across resets (call after boot).
    pub fn mark_base(&mut self) {
        self.base_len = self.edges.len();
    }

    /// Drops the edges added since `mark_base`.
    pub fn reset(&mut self) {
        for e in &self.edges[self.base_len..] {
            self.edge_at[e.from as usize * self.n + e.to as usize] = 0;
        }
        self.edges.truncate(self.base_len);
    }

    /// Whether `from -> to` is already recorded.
    #[inline]
    pub fn has_edge(&self, from: u32, to: u32) -> bool {
        self.edge_at[from as usize * self.n + to as usize] != 0
    }

    /// Records an edge (no-op if present).
    pub fn add(&mut self, e: Edge) {
        let slot = e.from as usize * self.n + e.to as usize;
        if self.edge_at[slot] == 0 {
            self.edges.push(e);
            self.edge_at[slot] = self.edges.len() as u32;
        }
    }

    /// The edges of a path `from -> ... -> to` (`from != to`), if one exists (breadth-first:
    /// shortest).
    pub fn path(&mut self, from: u32, to: u32) -> Option<Vec<Edge>> {
        self.find(from, true, |c| c == to).map(|(_, edges)| edges)
    }

    /// Breadth-first search from `from`, along the edges (`forward`) or against them, for the
    /// nearest class, `from` included, where `pred` holds (lockdep's `__bfs` with a match
    /// function: `find_usage_forwards`/`_backwards`, and with a predicate that never holds,
    /// the `usage_accumulate` walk). Returns the class and the edges between it and `from`
    /// in graph order (from `from` forwards; ending at `from` backwards).
    pub fn find(
        &mut self,
        from: u32,
        forward: bool,
        mut pred: impl FnMut(u32) -> bool,
    ) -> Option<(u32, Vec<Edge>)> {
        if pred(from) {
            return Some((from, Vec::new()));
        }
        if self.edges.is_empty() {
            return None;
        }
        self.prev.iter_mut().for_each(|p| *p = u32::MAX);
        self.queue.clear();
        self.queue.push(from);
        self.prev[from as usize] = from;
        let mut head = 0;
        while head < self.queue.len() {
            let u = self.queue[head];
            head += 1;
            for v in 0..self.n as u32 {
                let linked = if forward {
                    self.has_edge(u, v)
                } else {
                    self.has_edge(v, u)
                };
                if !linked || self.prev[v as usize] != u32::MAX {
                    continue;
                }
                self.prev[v as usize] = u;
                if pred(v) {
                    return Some((v, self.path_back(from, v, forward)));
                }
                self.queue.push(v);
            }
        }
        None
    }

    /// The edges between `from` and `to` along the `prev` links of the last search.
    fn path_back(&self, from: u32, to: u32, forward: bool) -> Vec<Edge> {
        let mut out = Vec::new();
        let mut v = to;
        while v != from {
            let p = self.prev[v as usize];
            let (a, b) = if forward { (p, v) } else { (v, p) };
            out.push(self.edges[self.edge_at[a as usize * self.n + b as usize] as usize - 1]);
            v = p;
        }
        if forward {
            out.reverse();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(from: u32, to: u32) -> Edge {
        Edge {
            from,
            to,
            tid: 0,
            func: 0,
            pc: 0,
        }
    }

    #[test]
    fn finds_transitive_paths_and_resets() {
        let mut g = LockGraph::new(4);
        g.add(e(0, 1));
        g.mark_base();
        g.add(e(1, 2));
        assert_eq!(g.path(0, 2).map(|p| p.len()), Some(2));
        assert!(g.path(2, 0).is_none());
        g.reset();
        assert!(g.path(0, 2).is_none());
        assert!(g.has_edge(0, 1));
    }

    #[test]
    fn finds_the_nearest_match_both_ways() {
        let mut g = LockGraph::new(5);
        g.add(e(0, 1));
        g.add(e(1, 2));
        g.add(e(3, 1));
        let (t, p) = g.find(0, true, |c| c == 2).unwrap();
        assert_eq!((t, p.len()), (2, 2));
        assert_eq!((p[0].from, p[1].to), (0, 2));
        let (t, p) = g.find(2, false, |c| c == 3).unwrap();
        assert_eq!((t, p.len()), (3, 2));
        assert_eq!((p[0].from, p[1].to), (3, 2));
        assert_eq!(
            g.find(4, true, |c| c == 4).map(|(t, p)| (t, p.len())),
            Some((4, 0))
        );
        let mut seen = Vec::new();
        assert!(g
            .find(2, false, |c| {
                seen.push(c);
                false
            })
            .is_none());
        seen.sort();
        assert_eq!(seen, [0, 1, 2, 3]);
    }
}
