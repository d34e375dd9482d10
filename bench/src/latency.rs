//! What the load clients (`cluster-client`, `fanout-client`, `live-feed`) share: the clock
//! they stamp events with, the latency histogram and its percentiles, and a process's CPU time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch: the stamp a server writes into an event and a client
/// subtracts from its arrival time (both on one machine, one clock).
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_micros() as u64
}

/// Latency histogram: 0.1 ms buckets up to 10 s (the last bucket holds anything later).
pub const BUCKET_US: u64 = 100;
/// How many buckets the histogram has.
pub const BUCKETS: usize = 100_000;

/// Where `needle` first stands in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The latency (ms) under which a fraction `p` of the samples fall.
pub fn percentile(histogram: &[u64], p: f64) -> f64 {
    let total: u64 = histogram.iter().sum();
    let rank = ((total as f64) * p).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (bucket, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return (bucket as u64 + 1) as f64 * BUCKET_US as f64 / 1000.0;
        }
    }
    f64::NAN
}

/// utime + stime of a process, in seconds.
#[allow(dead_code)] // `live-feed` measures memory, not CPU
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split(' ')
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}
