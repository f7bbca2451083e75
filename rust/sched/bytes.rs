//! Decisions from fuzzer bytes (the atheris path). One byte per decision: for scheduling, a
//! byte below 0x80 keeps the current thread when it can run (so all-zero input is the serial
//! schedule and mutations add preemptions one at a time); otherwise the byte indexes the
//! runnable set. When the bytes run out, a PRNG seeded by a hash of the input continues, so
//! every input is a complete, deterministic run.

use super::{default_pick, ChoiceKind, Decider, Point};
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
        let cur_ok = p.current != u32::MAX && p.runnable.contains(p.current);
        if b < 0x80 && cur_ok && !p.voluntary {
            return p.current;
        }
        if b < 0x80 {
            return default_pick(p);
        }
        let k = (b as u32 - 0x80) % p.runnable.len();
        p.runnable.nth(k).unwrap_or_else(|| default_pick(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::toy;

    #[test]
    fn low_bytes_keep_the_serial_schedule_and_high_bytes_switch() {
        let zeros = [0u8; 8];
        assert_eq!(
            toy::run(&mut FromBytes::new(&zeros), &[2, 2]).0,
            vec![0, 0, 1, 1]
        );
        // 0x81 at the second point picks the second runnable thread: one preemption.
        let data = [0u8, 0x81, 0, 0];
        assert_eq!(
            toy::run(&mut FromBytes::new(&data), &[2, 2]).0,
            vec![0, 1, 1, 0]
        );
    }

    #[test]
    fn past_the_input_a_prng_seeded_by_the_input_continues_deterministically() {
        let run = |data: &[u8]| toy::run(&mut FromBytes::new(data), &[5, 5, 5]).0;
        assert_eq!(run(&[0x90]), run(&[0x90]));
        let distinct: std::collections::BTreeSet<Vec<u32>> =
            (0u8..=255).map(|b| run(&[0x80 | b, b])).collect();
        assert!(distinct.len() > 20, "{}", distinct.len());
    }
}
