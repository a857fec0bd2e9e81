//! argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$...`): making one, verifying a
//! password against one with the parameters it names, and telling whether one was made weaker
//! than today's. Each is computed in a caller's block buffer, so `hasher` can reuse memory.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// argon2 of `password` with `salt` in `params`, computed in `blocks` (grown as needed; every
/// block is written before it is read, so what it held before does not matter).
fn compute(
    blocks: &mut Vec<Block>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
) -> argon2::password_hash::Result<Output> {
    let needed = params.block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = out
        .get_mut(..length)
        .ok_or(argon2::password_hash::Error::OutputSize)?;
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut *out,
        &mut blocks[..needed],
    )?;
    Ok(Output::new(out)?)
}

/// A new PHC string for `password`: argon2id, version 19, the crate's default parameters.
pub(super) fn hash_with(
    blocks: &mut Vec<Block>,
    password: &str,
    salt: &[u8],
) -> argon2::password_hash::Result<String> {
    hash_with_params(blocks, password, salt, Params::default())
}

fn hash_with_params(
    blocks: &mut Vec<Block>,
    password: &str,
    salt: &[u8],
    params: Params,
) -> argon2::password_hash::Result<String> {
    let output = compute(
        blocks,
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        salt,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(Salt::new(salt)?),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, with the parameters it names. A malformed
/// hash is a mismatch. The comparison of outputs is constant-time (`Output`'s `==`).
pub(super) fn verify_with(blocks: &mut Vec<Block>, password: &str, hash: &str) -> bool {
    let mut verify = || -> argon2::password_hash::Result<bool> {
        let parsed = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(parsed.algorithm.as_str())?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&parsed)?;
        let computed = compute(blocks, algorithm, version, params, password, salt.as_ref())?;
        Ok(computed == *expected)
    };
    verify().unwrap_or(false)
}

/// Whether the PHC string `hash` was made weaker than `hash_with` makes one today: another
/// algorithm or version, or less memory, fewer passes or less parallelism than the current
/// parameters. A hash made stronger is kept (no downgrade); a malformed one is left alone (it
/// verifies nothing anyway).
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let current = Params::default();
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok();
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .ok()
        .flatten();
    algorithm != Some(Algorithm::Argon2id)
        || version != Some(Version::V0x13)
        || params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost()
        || params.p_cost() < current.p_cost()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashes_weaker_than_todays_are_rehashed() {
        let salt = [7u8; 16];
        let with = |m, t, p| {
            let params = Params::new(m, t, p, None).expect("valid parameters");
            hash_with_params(&mut Vec::new(), "pw", &salt, params).expect("a hash")
        };
        let today = Params::default();
        let (m, t, p) = (today.m_cost(), today.t_cost(), today.p_cost());
        let current = hash_with(&mut Vec::new(), "pw", &salt).expect("a hash");
        assert!(!needs_rehash(&current));
        assert!(needs_rehash(&with(m / 2, t, p)));
        assert!(needs_rehash(&with(m, t - 1, p)));
        assert!(!needs_rehash(&with(m * 2, t + 1, p)), "stronger stays");
        assert!(!needs_rehash("not a hash"));
        let weak = with(8 * 1024, 1, 1);
        assert!(
            verify_with(&mut Vec::new(), "pw", &weak),
            "a weak hash still verifies"
        );
    }

    /// Hashes stored by the argon2 crate's own hasher (every hash Roster wrote before its
    /// memory was reused) verify, and ours verify with the crate's verifier.
    #[test]
    fn hashes_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery staple")
            .unwrap()
            .to_string();
        let mut blocks = Vec::new();
        assert!(verify_with(
            &mut blocks,
            "correct horse battery staple",
            &theirs
        ));
        assert!(!verify_with(
            &mut blocks,
            "correct horse battery stapl",
            &theirs
        ));
        let ours = hash_with(&mut blocks, "correct horse battery staple", &[7u8; 16]).unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
        // Other parameters, named in the hash, are honoured; garbage is a mismatch.
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw")
        .unwrap()
        .to_string();
        assert!(verify_with(&mut blocks, "pw", &light));
        assert!(!verify_with(&mut blocks, "pw", "$argon2id$v=19$garbage"));
        assert!(!verify_with(&mut blocks, "pw", ""));
    }
}
