//! Where the execution reports model-state features (see `crate::cov`). Every hook is called
//! behind `if self.feedback`, so runs that do not feed libFuzzer pay one branch per hook site.

use super::Execution;
use crate::cov::{hit, site, Family, Transition};
use crate::world::NONE;

impl Execution<'_> {
    /// The site of thread `tid`'s next operation, or 0 when it has no frame.
    fn next_site(&self, tid: usize) -> u64 {
        self.threads[tid]
            .frames
            .last()
            .map(|f| site(f.func, f.pc))
            .unwrap_or(0)
    }

    /// A visible operation at (func, pc) by `tid`: its site by context and lock state.
    #[inline]
    pub(crate) fn fb_op(&self, tid: usize, func: u32, pc: u32) {
        let t = &self.threads[tid];
        let ctx = t.ctx as u64;
        let atomic = t.atomic() as u64;
        let locked = !t.held.is_empty() as u64;
        hit(
            Family::OpSite,
            site(func, pc) ^ (ctx << 58) ^ (atomic << 61) ^ (locked << 62),
        );
    }

    /// A store into value slot `slot` by `tid`: remember which site wrote it.
    #[inline]
    pub(crate) fn fb_store(&mut self, tid: usize, slot: usize) {
        if self.writers.len() <= slot {
            self.writers.resize(self.world.vals.len().max(slot + 1), 0);
        }
        self.writers[slot] = self.next_site(tid) | 1 << 63;
    }

    /// A load from value slot `slot` by `tid`: the (read site, write site) pair it observed.
    #[inline]
    pub(crate) fn fb_load(&self, tid: usize, slot: usize) {
        let writer = self.writers.get(slot).copied().unwrap_or(0);
        let reader = self.next_site(tid);
        hit(Family::ReadsFrom, reader.rotate_left(17) ^ writer);
    }

    /// `tid` acquires a lock of `class`: the edge from the innermost class it holds.
    #[inline]
    pub(crate) fn fb_lock(&self, tid: usize, class: u32) {
        let inner = self.threads[tid]
            .held
            .last()
            .map(|h| h.class)
            .unwrap_or(NONE);
        hit(Family::LockOrder, ((inner as u64) << 32) | class as u64);
    }

    /// `chosen` preempts `current`: the pair of their next sites.
    #[inline]
    pub(crate) fn fb_preempt(&self, current: u32, chosen: u32) {
        let a = self.next_site(current as usize);
        let b = self.next_site(chosen as usize);
        hit(Family::Preemption, a.rotate_left(29) ^ b);
    }

    /// An object of struct `sid` (or primitive kind) went through `tr`.
    #[inline]
    pub(crate) fn fb_life(&self, sid: u32, tr: Transition) {
        hit(Family::Lifecycle, ((sid as u64) << 8) | tr as u64);
    }
}
