//! The throttle's arithmetic: waits, keys, and what an attempt counts.

use super::*;

#[test]
fn the_wait_doubles_from_one_second_to_fifteen_minutes() {
    let waits: Vec<Option<i64>> = (1..=16)
        .map(|n| wait_after(n).map(|wait| wait.num_seconds()))
        .collect();
    assert_eq!(&waits[..4], &[None, None, None, None]);
    assert_eq!(
        &waits[4..],
        &[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900].map(Some)
    );
    assert_eq!(wait_after(i32::MAX).map(|w| w.num_seconds()), Some(900));
}

#[test]
fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
    let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
    let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    assert_eq!(address_key(Some(a)), "2001:db8:1:2::/64");
    assert_eq!(address_key(Some(a)), address_key(Some(b)));
    assert_ne!(address_key(Some(a)), address_key(Some(c)));
    let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
    assert_eq!(address_key(Some(mapped)), "203.0.113.7");
}

#[test]
fn retry_after_rounds_up_to_whole_seconds() {
    let now = Utc::now();
    let wait = |millis| match wait_until(now + Duration::milliseconds(millis), now) {
        AppError::TooManyRequests { retry_after_secs } => retry_after_secs,
        _ => unreachable!(),
    };
    assert_eq!(wait(1), 1);
    assert_eq!(wait(1000), 1);
    assert_eq!(wait(1001), 2);
    assert_eq!(wait(-5), 1);
}

#[test]
fn keys_join_cases_and_hide_the_name() {
    let upper = Account::Unknown(" Ada@Example.com").key();
    assert_eq!(upper, Account::Unknown("ada@example.com").key());
    assert_eq!(upper.len(), 43);
    assert!(!upper.contains("ada"));
}
