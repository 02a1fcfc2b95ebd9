//! The fair schedule a rate-limit scenario's latencies are judged against: the same closed
//! loop of callers, admitted strictly in arrival order at the bucket's rate.

use std::collections::VecDeque;
use std::time::Duration;

use crate::measure::Samples;

/// The latencies of `callers` callers, each calling again as soon as its call ends, for
/// `duration`, when a fair queue admits them in arrival order one every `window / limit`
/// and a call takes no time once admitted. Once every caller has been round, each waits
/// `callers / rate`: with 64 callers on 50 a second, 1.28 s. No call starts at or after
/// `duration`, as in [`crate::goodput::callers`].
pub(crate) fn fair_schedule(
    callers: usize,
    limit: u32,
    window: Duration,
    duration: Duration,
) -> Samples {
    let mut latencies = Samples::default();
    if callers == 0 || limit == 0 || window.is_zero() {
        return latencies;
    }
    let interval = window / limit;
    // Every caller arrives at the start; a caller's next call arrives when its call is
    // admitted. Admissions only move forwards, so the queue stays in arrival order.
    let mut queue: VecDeque<Duration> = std::iter::repeat_n(Duration::ZERO, callers).collect();
    let mut next_slot = Duration::ZERO;
    // One admission per slot: the run holds at most this many, plus the callers' last calls.
    let bound = callers + (duration.as_nanos() / interval.as_nanos().max(1)) as usize + 1;
    for _ in 0..bound {
        let Some(arrival) = queue.pop_front() else {
            break;
        };
        if arrival >= duration {
            break;
        }
        let admitted = arrival.max(next_slot);
        latencies.push(admitted - arrival);
        next_slot = admitted + interval;
        queue.push_back(admitted);
    }
    latencies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fair_p99_is_callers_over_rate_once_every_caller_has_been_round() {
        let mut fair = fair_schedule(64, 50, Duration::from_secs(1), Duration::from_secs(10));
        assert_eq!(fair.quantile_ms(0.99), 1280.0);
        // The first round waits 0 to 1.26 s; every later call 1.28 s.
        assert_eq!(fair.quantile_ms(0.0), 0.0);
        assert_eq!(fair.quantile_ms(1.0), 1280.0);
        // 10 s at 50 a second, plus the calls that started before the end and were
        // admitted after it.
        assert!((500..=564).contains(&fair.len()), "{}", fair.len());
    }

    #[test]
    fn a_few_callers_wait_their_place_in_the_rotation() {
        let mut fair = fair_schedule(10, 50, Duration::from_secs(1), Duration::from_secs(1));
        // 10 callers, one slot every 20 ms: a caller's turn comes back every 200 ms, and it
        // asks again at once, so it waits exactly its place in the rotation.
        assert_eq!(fair.quantile_ms(0.99), 200.0);
        let mut none = fair_schedule(0, 50, Duration::from_secs(1), Duration::from_secs(1));
        assert_eq!(none.quantile_ms(0.99), 0.0);
    }
}
