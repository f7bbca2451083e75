//! How the tree search (`sched::dpor`, reduced or plain) answers workload choices: from a given
//! list of workload choices in order (the minimizer searches a finding's own workload), then
//! by the default workload, or, when every workload is explored, by branching like a
//! scheduling point. Fault injection's fail-nth choice comes from the list when it holds one,
//! else from the search's own fail-nth value (the runner runs one tree per value).

use super::ChoiceKind;

/// What a tree search does with one workload choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Answer with this value.
    Given(u32),
    /// Make it a tree node whose every alternative is explored.
    Branch,
}

/// The workload side of a tree search.
#[derive(Clone, Debug, Default)]
pub struct WorkloadChoices {
    /// Workload choices answered in order.
    list: Vec<u32>,
    /// Whether choices past `list` branch instead of taking the default.
    all: bool,
    pos: usize,
    /// The answer to the fail-nth choice when the list does not give one.
    fail_nth: u32,
    /// Whether the list answered the fail-nth choice (the search then does not enumerate it).
    fail_nth_fixed: bool,
}

impl WorkloadChoices {
    /// Answers from `list`, then the defaults.
    pub fn given(list: Vec<u32>) -> WorkloadChoices {
        WorkloadChoices {
            list,
            ..WorkloadChoices::default()
        }
    }

    /// Explores every workload.
    pub fn all() -> WorkloadChoices {
        WorkloadChoices {
            all: true,
            ..WorkloadChoices::default()
        }
    }

    /// Sets the fail-nth answer used when the list gives none.
    pub fn set_fail_nth(&mut self, nth: u32) {
        self.fail_nth = nth;
    }

    /// Whether the list fixed the fail-nth choice of the runs so far.
    pub fn fail_nth_fixed(&self) -> bool {
        self.fail_nth_fixed
    }

    /// Called at the start of every run.
    pub fn begin(&mut self) {
        self.pos = 0;
    }

    /// The answer to the next workload choice (`n` alternatives, `default` the default
    /// workload's).
    pub fn answer(&mut self, kind: ChoiceKind, n: u32, default: u32) -> Answer {
        let c = self.list.get(self.pos).copied();
        self.pos += 1;
        match c {
            Some(c) if c < n => {
                self.fail_nth_fixed |= kind == ChoiceKind::FailNth;
                Answer::Given(c)
            }
            _ if kind == ChoiceKind::FailNth => Answer::Given(self.fail_nth.min(n - 1)),
            Some(_) => Answer::Given(default),
            None if self.all => Answer::Branch,
            None => Answer::Given(default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workload_is_answered_in_order_then_by_the_default() {
        let mut w = WorkloadChoices::given(vec![1, 7]);
        w.begin();
        let k = ChoiceKind::ActorEnabled { actor: 0 };
        assert_eq!(w.answer(k, 2, 0), Answer::Given(1));
        assert_eq!(
            w.answer(k, 2, 0),
            Answer::Given(0),
            "out of range: the default"
        );
        assert_eq!(
            w.answer(k, 2, 1),
            Answer::Given(1),
            "past the list: the default"
        );
        assert_eq!(w.answer(ChoiceKind::FailNth, 256, 0), Answer::Given(0));
        assert!(!w.fail_nth_fixed());

        let mut w = WorkloadChoices::given(Vec::new());
        w.set_fail_nth(3);
        w.begin();
        let nth = w.answer(ChoiceKind::FailNth, 256, 0);
        assert_eq!(nth, Answer::Given(3), "the search's fail-nth");
        let mut w = WorkloadChoices::given(vec![2]);
        w.set_fail_nth(3);
        w.begin();
        let nth = w.answer(ChoiceKind::FailNth, 256, 0);
        assert_eq!(nth, Answer::Given(2), "the list's fail-nth");
        assert!(w.fail_nth_fixed());
    }

    #[test]
    fn every_workload_branches_however_wide_the_choice() {
        let mut w = WorkloadChoices::all();
        w.begin();
        let k = ChoiceKind::ActionCount { actor: 0 };
        assert_eq!(w.answer(k, 3, 1), Answer::Branch);
        assert_eq!(w.answer(k, 1000, 1), Answer::Branch);
        assert_eq!(w.answer(ChoiceKind::FailNth, 256, 0), Answer::Given(0));
    }
}
