//! `doan-api create-user`: make an account from the command line (the password from stdin).

use std::io::Read;

use crate::auth::{password, Role};
use crate::cli::CreateUserArgs;
use crate::db::{self, tree};

use super::dto::{valid_username, CreateUser};
use super::repo;

pub fn create_user(args: &CreateUserArgs) -> anyhow::Result<()> {
    let mut secret = String::new();
    std::io::stdin()
        .read_to_string(&mut secret)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    let secret = secret.trim_end_matches(['\n', '\r']).to_string();
    if !valid_username(&args.username) {
        anyhow::bail!("the username {}", super::dto::USERNAME_RULE);
    }
    if let Some(why) = password::weakness(&secret, &args.username) {
        anyhow::bail!("the password {why}");
    }
    let role = Role::parse(&args.role).ok_or_else(|| anyhow::anyhow!("unknown role"))?;
    let pool = db::connect(&args.db.database, 1, 0)?;
    let mut conn = pool.blocking_conn()?;
    let organization_id = match &args.organization {
        Some(key) => Some(i64::from(
            tree::lookup_organization(&mut conn, key)?
                .ok_or_else(|| anyhow::anyhow!("there is no organization '{key}'"))?,
        )),
        None if role.needs_unit() => {
            anyhow::bail!(
                "an editor or reviewer needs --organization (the unit whose activities it writes or reviews)"
            )
        }
        None => None,
    };
    let input = CreateUser {
        username: args.username.clone(),
        password: secret.clone(),
        display_name: args.display_name.clone(),
        role,
        organization_id,
        active: true,
    };
    let hashed = password::hash(&secret)?;
    let user = repo::create(&mut conn, &input, hashed).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created user {} (id {}, {})",
        user.username,
        user.id,
        role.as_str()
    );
    Ok(())
}
