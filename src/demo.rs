//! The demo data: exactly what the seed page ("Hoạt động của các tổ chức cơ sở Đoàn", page 7)
//! states, loaded only where missing, so a second start adds nothing.

use std::path::Path;

use diesel::SqliteConnection;

use crate::auth::{password, token, Role};
use crate::users::{dto::CreateUser, repo as users};

use crate::organizations::dto::{OrgKind, OrganizationFields};
use crate::organizations::repo as orgs;
use crate::text;

/// What one load added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub organizations: usize,
}

struct DemoOrg {
    name: &'static str,
    short_name: Option<&'static str>,
    kind: OrgKind,
    parent: Option<&'static str>,
    secretary_name: Option<&'static str>,
}

const TINH_DOAN: &str = "Tỉnh đoàn Lạng Sơn";
const BLOC: &str = "Đoàn khối các cơ quan tỉnh Lạng Sơn";
const CAO_LOC: &str = "Huyện đoàn Cao Lộc";

const fn unit(name: &'static str, kind: OrgKind, parent: Option<&'static str>) -> DemoOrg {
    DemoOrg {
        name,
        short_name: None,
        kind,
        parent,
        secretary_name: None,
    }
}

/// DEMO.md, "Organizations": parents come before their children.
const ORGANIZATIONS: &[DemoOrg] = &[
    unit(TINH_DOAN, OrgKind::ProvincialUnion, None),
    DemoOrg {
        short_name: Some("Đoàn khối CCQ tỉnh"),
        ..unit(BLOC, OrgKind::BlocUnion, Some(TINH_DOAN))
    },
    unit(
        "Chi đoàn Đài Phát thanh và Truyền hình Lạng Sơn",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(
        "Chi đoàn Văn phòng UBND tỉnh",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    DemoOrg {
        secretary_name: Some("Hoàng Bích Liên"),
        ..unit(
            "Chi đoàn Văn phòng Tỉnh ủy",
            OrgKind::GrassrootsBranch,
            Some(BLOC),
        )
    },
    unit(
        "Chi đoàn Sở Giao thông vận tải",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(
        "Chi đoàn Sở Nông nghiệp và Phát triển nông thôn",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(
        "Chi đoàn Ban Quản lý Dự án Đầu tư xây dựng tỉnh",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(
        "Chi đoàn Cục Quản lý thị trường tỉnh Lạng Sơn",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(
        "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh",
        OrgKind::GrassrootsBranch,
        Some(BLOC),
    ),
    unit(CAO_LOC, OrgKind::DistrictUnion, Some(TINH_DOAN)),
    unit("Đoàn xã Mẫu Sơn", OrgKind::GrassrootsUnion, Some(CAO_LOC)),
    unit(
        "Công đoàn cơ sở Đài Phát thanh và Truyền hình Lạng Sơn",
        OrgKind::Partner,
        None,
    ),
    unit("Đồn Biên phòng Ba Sơn", OrgKind::Partner, None),
];

/// The slug a demo unit is stored under.
pub fn slug_of(name: &str) -> String {
    text::slugify(name)
}

/// Load whatever of the demo data is missing.
pub fn load(conn: &mut SqliteConnection) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    for org in ORGANIZATIONS {
        let slug = slug_of(org.name);
        if orgs::lookup(conn, &slug)?.is_some() {
            continue;
        }
        let parent_id = match org.parent {
            Some(parent) => Some(
                orgs::lookup(conn, &slug_of(parent))?
                    .ok_or_else(|| anyhow::anyhow!("demo parent {parent} is missing"))?,
            ),
            None => None,
        };
        let fields = OrganizationFields {
            name: org.name.to_string(),
            short_name: org.short_name.map(str::to_string),
            kind: org.kind,
            parent_id: parent_id.map(i64::from),
            secretary_name: org.secretary_name.map(str::to_string),
            address: None,
            phone: None,
            email: None,
            website: None,
            established_on: None,
            dissolved_on: None,
            successor_id: None,
        };
        orgs::create(conn, Some(slug), fields)
            .map_err(|e| anyhow::anyhow!("loading demo organization {}: {e}", org.name))?;
        loaded.organizations += 1;
    }
    Ok(loaded)
}

/// Name of the file (beside the database) holding a generated demo admin password.
pub const ADMIN_PASSWORD_FILE: &str = "admin-password";

/// With no user at all, create the demo admin `admin`: its password from configuration, or a
/// random one written to a file beside the database (mode 0600) whose path — never the
/// password — is logged.
pub fn ensure_admin(
    conn: &mut SqliteConnection,
    configured: Option<&str>,
    database: &Path,
) -> anyhow::Result<()> {
    if users::count(conn)? > 0 {
        return Ok(());
    }
    let (secret, file) = match configured {
        Some(p) => {
            if let Some(why) = password::weakness(p, "admin") {
                anyhow::bail!("DOAN_ADMIN_PASSWORD {why}");
            }
            (p.to_string(), None)
        }
        None => {
            let dir = database
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let path = dir.join(ADMIN_PASSWORD_FILE);
            let _ = std::fs::remove_file(&path);
            let generated = format!("Dk-{}", hex::encode(rand::random::<[u8; 12]>()));
            token::write_private(&path, &generated)?;
            (generated, Some(path))
        }
    };
    let input = CreateUser {
        username: "admin".into(),
        password: secret.clone(),
        display_name: Some("Quản trị viên".into()),
        role: Role::Admin,
        organization_id: None,
        active: true,
    };
    let hashed = password::hash(&secret)?;
    users::create(conn, &input, hashed)
        .map_err(|e| anyhow::anyhow!("creating the demo admin: {e}"))?;
    match file {
        Some(path) => {
            tracing::info!(path = %path.display(), "demo admin `admin` created; its password is in this file")
        }
        None => tracing::info!("demo admin `admin` created with the configured password"),
    }
    Ok(())
}
