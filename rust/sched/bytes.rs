//! Decisions from fuzzer bytes (the atheris path). One byte per decision: for scheduling, a
//! byte below 0x80 keeps the current thread when it can run (so all-zero input is the serial
//! schedule and mutations add preemptions one at a time); otherwise the byte indexes the
//! runnable set. When the bytes run out, a PRNG seeded by a hash of the input continues, so
//! every input is a complete, deterministic run.

use super::{default_pick, nth_set_bit, ChoiceKind, Decider, Point};
use crate::oracle::fnv1a64;
use crate::rng::Rng;

/// The byte-stream decider.
pub struct FromBytes<'a> {
    data: &'a [u8],
    pos: usize,
    fallback: Rng,
}

impl<'a> FromBytes<'a> {
    /// Decisions from `data`, then from a PRNG seeded by its hash.
    pub fn new(data: &'a [u8]) -> FromBytes<'a> {
        FromBytes {
            data,
            pos: 0,
            fallback: Rng::new(fnv1a64(data)),
        }
    }

    fn next_byte(&mut self) -> u8 {
        if let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            b
        } else {
            self.fallback.next_u64() as u8
        }
    }

    /// How many input bytes were consumed.
    pub fn consumed(&self) -> usize {
        self.pos
    }
}

impl Decider for FromBytes<'_> {
    fn choose(&mut self, _kind: ChoiceKind, n: u32, _default: u32) -> u32 {
        self.next_byte() as u32 % n
    }

    fn pick(&mut self, p: &Point) -> u32 {
        let b = self.next_byte();
        let cur_ok = p.current != u32::MAX && p.runnable & super::bit(p.current) != 0;
        if b < 0x80 && cur_ok && !p.voluntary {
            return p.current;
        }
        if b < 0x80 {
            return default_pick(p);
        }
        nth_set_bit(p.runnable, (b as u32 - 0x80) % p.runnable.count_ones())
    }
}
