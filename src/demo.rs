//! The demo data: exactly what the seed page ("Hoạt động của các tổ chức cơ sở Đoàn", page 7)
//! states, loaded only where missing, so a second start adds nothing.
//!
//! Over 600 lines with a reason: most of it is the page's own text, kept verbatim in one place.

use crate::db::Conn;
use std::path::Path;

use crate::auth::{password, token, Role};
use crate::users::{dto::CreateUser, repo as users};

use crate::activities::dto::{Category, DatePrecision, PartOfDay, PartnerRole};
use crate::organizations::dto::{OrgKind, OrganizationFields};
use crate::organizations::repo as orgs;
use crate::text;

/// What one load added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub organizations: usize,
    pub clusters: usize,
    pub activities: usize,
    /// Activities of an earlier demo brought up to date.
    pub activities_updated: usize,
}

struct DemoOrg {
    name: &'static str,
    short_name: Option<&'static str>,
    kind: OrgKind,
    parent: Option<&'static str>,
    secretary_name: Option<&'static str>,
}

const TINH_DOAN: &str = "Tỉnh đoàn Lạng Sơn";
pub const BLOC: &str = "Đoàn khối các cơ quan tỉnh Lạng Sơn";
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
        short_name: Some("VPTU"),
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
    unit(BA_SON, OrgKind::Partner, None),
];

/// The slug a demo unit is stored under.
pub fn slug_of(name: &str) -> String {
    text::slugify(name)
}

/// Load whatever of the demo data is missing: organizations, then the cluster, the demo admin
/// (when there is no user), then the activities (saved as that admin).
pub fn load(
    conn: &mut Conn,
    admin_password: Option<&str>,
    database: &Path,
    store: &dyn crate::media::store::MediaStore,
) -> anyhow::Result<Loaded> {
    let mut loaded = load_organizations(conn)?;
    loaded.clusters = load_cluster(conn)?;
    ensure_admin(conn, admin_password, database)?;
    (loaded.activities, loaded.activities_updated) = load_activities(conn, store)?;
    Ok(loaded)
}

/// The organizations of the page (where missing); an existing one without the short name
/// the page gives it gets that name.
pub fn load_organizations(conn: &mut Conn) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    for org in ORGANIZATIONS {
        let slug = slug_of(org.name);
        if let Some(id) = orgs::lookup(conn, &slug)? {
            if let Some(short) = org.short_name {
                if orgs::detail(conn, id)?.organization.short_name.is_none() {
                    let patch = crate::organizations::dto::UpdateOrganization {
                        short_name: crate::db::patch::Patch::Value(short.to_string()),
                        ..Default::default()
                    };
                    let any =
                        crate::db::precondition::Precondition::new(None, |_| Ok(String::new()));
                    orgs::update(conn, &slug, patch, any, |_, _| Ok(())).map_err(|e| {
                        anyhow::anyhow!("updating demo organization {}: {e}", org.name)
                    })?;
                }
            }
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
            short_name: org.short_name.map(str::to_string),
            secretary_name: org.secretary_name.map(str::to_string),
            ..OrganizationFields::named(org.name.to_string(), org.kind, parent_id.map(i64::from))
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
    conn: &mut Conn,
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
            let dir = crate::db::local_dir(database);
            std::fs::create_dir_all(&dir)?;
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

/// The cluster the page names: "Cụm thi đua số 4" of the bloc.
pub const CLUSTER_SLUG: &str = "cum-thi-dua-so-4";

fn load_cluster(conn: &mut Conn) -> anyhow::Result<usize> {
    use diesel::prelude::*;
    if crate::db::tree::lookup_cluster(conn, CLUSTER_SLUG)?.is_some() {
        return Ok(0);
    }
    // Only what the page states of the 2023 roster: the standing deputy.
    let bloc = orgs::lookup(conn, &slug_of(BLOC))?
        .ok_or_else(|| anyhow::anyhow!("the demo bloc is missing"))?;
    let input = crate::clusters::dto::CreateCluster {
        slug: Some(CLUSTER_SLUG.into()),
        name: "Cụm thi đua số 4".into(),
        number: 4,
        bloc_id: i64::from(bloc),
        description: None,
        active: true,
    };
    crate::clusters::repo::create(conn, &input)
        .map_err(|e| anyhow::anyhow!("demo cluster: {e}"))?;
    let cluster = crate::db::tree::lookup_cluster(conn, CLUSTER_SLUG)?
        .ok_or_else(|| anyhow::anyhow!("the demo cluster is missing"))?;
    let deputy = orgs::lookup(conn, &slug_of(KSBT))?
        .ok_or_else(|| anyhow::anyhow!("the demo unit {KSBT} is missing"))?;
    crate::db::sql(
        conn,
        "INSERT INTO cluster_members (cluster_id, year, organization_id, bloc_id, role, position) \
         VALUES (?, 2023, ?, ?, 'standing_deputy', 0)",
    )
    .bind::<diesel::sql_types::Integer, _>(cluster)
    .bind::<diesel::sql_types::Integer, _>(deputy)
    .bind::<diesel::sql_types::Integer, _>(bloc)
    .execute(conn)?;
    Ok(1)
}

struct DemoActivity {
    slug: &'static str,
    title: &'static str,
    summary: &'static str,
    body: Option<&'static str>,
    occurred_on: (i32, u32, u32),
    precision: DatePrecision,
    part_of_day: Option<PartOfDay>,
    organizer: &'static str,
    partners: &'static [(&'static str, PartnerRole)],
    cluster: bool,
    category: Category,
    tags: &'static [&'static str],
    documents: &'static [&'static str],
    location: Option<&'static str>,
    photo_captions: &'static [&'static str],
    /// When it was published, as (month, day, hour) of 2023 in Asia/Ho_Chi_Minh. The page gives
    /// no times: these are approximate, each the day it happened at 17:00, nudged by an hour
    /// where the page lists an item out of its date order (the month-precision volunteering
    /// story above the 14/9 session, the 31/8 session above the 7/9 meeting).
    published: (u32, u32, u32),
    byline: Option<&'static str>,
}

const DAI_PTTH: &str = "Chi đoàn Đài Phát thanh và Truyền hình Lạng Sơn";
const VP_UBND: &str = "Chi đoàn Văn phòng UBND tỉnh";
const VP_TU: &str = "Chi đoàn Văn phòng Tỉnh ủy";
const SO_GTVT: &str = "Chi đoàn Sở Giao thông vận tải";
const SO_NN: &str = "Chi đoàn Sở Nông nghiệp và Phát triển nông thôn";
const BQLDA: &str = "Chi đoàn Ban Quản lý Dự án Đầu tư xây dựng tỉnh";
const QLTT: &str = "Chi đoàn Cục Quản lý thị trường tỉnh Lạng Sơn";
const KSBT: &str = "Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh";
const MAU_SON: &str = "Đoàn xã Mẫu Sơn";
const CONG_DOAN: &str = "Công đoàn cơ sở Đài Phát thanh và Truyền hình Lạng Sơn";
const BA_SON: &str = "Đồn Biên phòng Ba Sơn";

const VP_UBND_SUMMARY: &str = "Chiều 20/9/2023, Chi đoàn Văn phòng UBND tỉnh tổ chức sơ kết công tác đoàn 9 tháng năm 2023 và sinh hoạt chuyên đề chuyên môn với chủ đề: “Nâng cao chất lượng công tác tham mưu, tổng hợp, phục vụ tại cơ quan”. Tham dự có đại diện Ban Thường vụ Đoàn khối, Ban Chấp hành và toàn thể đoàn viên Chi đoàn Văn phòng UBND tỉnh.";

const VP_UBND_BODY: &str = "Chiều 20/9/2023, Chi đoàn Văn phòng UBND tỉnh tổ chức sơ kết công tác đoàn 9 tháng năm 2023 và sinh hoạt chuyên đề chuyên môn với chủ đề: “Nâng cao chất lượng công tác tham mưu, tổng hợp, phục vụ tại cơ quan”. Tham dự có đại diện Ban Thường vụ Đoàn khối, Ban Chấp hành và toàn thể đoàn viên Chi đoàn Văn phòng UBND tỉnh.

Trong 9 tháng đầu năm 2023, Chi đoàn đã hoàn thành tốt nhiệm vụ chính trị được giao trên tất cả các lĩnh vực, các mục tiêu nhiệm vụ đề ra cơ bản đã hoàn thành. Theo đó, Chi đoàn đã tổ chức tuyên truyền đoàn viên thực hiện nghiêm túc các quy định của pháp luật, không vi phạm luật giao thông và không mắc các tệ nạn xã hội…; 100% đoàn viên Chi đoàn tham gia học tập Nghị quyết Đại hội Đại biểu Đoàn toàn quốc lần thứ XII, Nghị quyết Đại hội đại biểu Đoàn thanh niên tỉnh lần thứ XIV nhiệm kỳ 2022-2027; công tác giáo dục truyền thống được quan tâm triển khai thông qua các hoạt động chào mừng các ngày lễ lớn của Đảng, đất nước, của Đoàn.

Các phong trào thanh niên tình nguyện được Chi đoàn tích cực hưởng ứng, tham gia, tiêu biểu như: thực hiện chăm sóc cây cảnh tại khuôn viên trụ sở cơ quan, phối hợp với các Chi đoàn bạn triển khai hoạt động thu gom rác tại xã Vũ Lăng, huyện Bắc Sơn, tổ chức ra quân khởi động Tháng thanh niên và Hành trình “Tháng 3 biên giới” tại xã Thanh Lòa, huyện Cao Lộc, thực hiện công trình thanh niên \"Sân chơi thiếu nhi\", tổ chức Ngày thứ 7 tình huyện, hỗ trợ người dân sử dụng dịch vụ công trực tuyến tại Trung tâm phục vụ hành chính công tỉnh, tổ chức chương trình tình nguyện tại xã Vân An, huyện Chi Lăng, trao tặng kinh phí xây dựng công trình đường kiểm tra cột mốc cho Đồn Biên phòng Ba Sơn, huyện Cao Lộc.

Trong chương trình, Chi đoàn đã tổ chức sinh hoạt chuyên đề chuyên môn với chủ đề: “Nâng cao chất lượng công tác tham mưu, tổng hợp, phục vụ tại cơ quan”, với các tham luận như: Học tập, làm việc theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về tinh thần tự học, kết hợp sức mạnh thời đại nâng cao hiệu quả công tác tham mưu tại cơ quan Văn phòng Đoàn ĐBQH và HĐND tỉnh; nâng cao kỹ năng dự thảo bài phát biểu, diễn thuyết của lãnh đạo tỉnh và một số giải pháp ứng dụng công nghệ thông tin nâng chất lượng, tốc độ xử lý văn bản tại văn phòng UBND tỉnh; một số giải pháp nâng cao chất lượng, hiệu quả công tác tham mưu, giúp việc đối với lãnh đạo UBND tỉnh, lãnh đạo Văn phòng UBND tỉnh; giải pháp nâng cao chất lượng truyền tải thông tin trong công tác biên tập thông tin chỉ đạo điều hành của UBND tỉnh trên Cổng Thông tin điện tử tỉnh…";

const VP_TU_BODY: &str = "Ngày 14/9/2023, Chi đoàn Văn phòng Tỉnh uỷ tổ chức sinh hoạt chuyên đề về công tác chuyên môn năm 2023 với chủ đề “Thể loại, thẩm quyền ban hành và thể thức văn bản của Đảng”.

Kỳ sinh hoạt liên quan đến công tác chuyên môn với cách truyền tải hấp dẫn đã thu hút được đông đảo đoàn viên tham gia. Đoàn viên trong chi đoàn đã tích cực thảo luận, sôi nổi và đưa ra được nhiều ý kiến, câu hỏi, lập luận xác đáng. Buổi sinh hoạt đã giúp cho đoàn viên trong chi đoàn có dịp được tìm hiểu rõ hơn về Thể loại, thẩm quyền ban hành và thể thức văn bản của Đảng, giúp cho mỗi đoàn viên tiếp thu thêm những kiến thức, kỹ năng nghiệp vụ trong việc soạn thảo văn bản của Đảng; nâng cao chất lượng tham mưu, góp phần khẳng định vị thế, vai trò của đoàn viên thanh niên trong công tác chuyên môn.

Bên cạnh đó, đoàn viên chi đoàn còn được tiếp thu thêm kiến thức về của cuộc khởi nghĩa Bắc Sơn (27/9/1940 - 27/9/2023). Tuyên truyền những giá trị lịch sử tươi đẹp, giúp đoàn viên nắm vững lịch sử của địa phương, một lòng biết ơn những vị anh hùng dân tộc đã hy sinh bảo vệ cho quê hương, đất nước để thế hệ trẻ chúng ta có được cuộc sống bình yên như ngày hôm nay.

Buổi sinh hoạt chuyên đề đã diễn ra thành công tốt đẹp, nhận được sự hưởng ứng, tham gia nhiệt tình của đông đảo đoàn viên. Hoạt động vừa mang ý nghĩa nhân văn, thiết thực là dịp để các bạn đoàn viên được giao lưu, học tập, được trao đổi kinh nghiệm lẫn nhau, phát huy tinh thần xung kích của tuổi trẻ.";

/// The page's longer texts, also the sentence pool of the synthetic generator.
pub const SEED_TEXTS: [&str; 3] = [VP_UBND_SUMMARY, VP_UBND_BODY, VP_TU_BODY];

/// DEMO.md, "Activities": the seven activities of the page, in its words and in its order
/// (newest publication first).
const ACTIVITIES: &[DemoActivity] = &[
    DemoActivity {
        slug: "dem-hoi-trang-ram-cho-con-vien-chuc-nguoi-lao-dong",
        title: "Đêm hội Trăng rằm cho con viên chức, người lao động",
        summary: "Tối ngày 25/9/2023, Công đoàn cơ sở phối hợp với Chi đoàn Đài Phát thanh và Truyền hình Lạng Sơn tổ chức chương trình Đêm hội Trăng rằm cho con viên chức, người lao động đang công tác tại đơn vị.",
        body: None,
        occurred_on: (2023, 9, 25),
        precision: DatePrecision::Day,
        part_of_day: Some(PartOfDay::Evening),
        organizer: CONG_DOAN,
        partners: &[(DAI_PTTH, PartnerRole::CoOrganizer)],
        cluster: false,
        category: Category::CultureSports,
        tags: &[],
        documents: &[],
        location: None,
        photo_captions: &[],
        published: (9, 25, 17),
        byline: None,
    },
    DemoActivity {
        slug: "chi-doan-van-phong-ubnd-tinh-so-ket-cong-tac-doan-9-thang-nam-2023",
        title: "Chi đoàn Văn phòng UBND tỉnh sơ kết công tác đoàn 9 tháng năm 2023 và sinh hoạt chuyên đề chuyên môn",
        summary: VP_UBND_SUMMARY,
        body: Some(VP_UBND_BODY),
        occurred_on: (2023, 9, 20),
        precision: DatePrecision::Day,
        part_of_day: Some(PartOfDay::Afternoon),
        organizer: VP_UBND,
        partners: &[
            (BLOC, PartnerRole::Participant),
            (BA_SON, PartnerRole::Beneficiary),
        ],
        cluster: false,
        category: Category::Conference,
        tags: &[
            "Tháng Thanh niên",
            "Tháng Ba biên giới",
            "Thanh niên tình nguyện",
        ],
        documents: &[
            "Nghị quyết Đại hội Đại biểu Đoàn toàn quốc lần thứ XII",
            "Nghị quyết Đại hội đại biểu Đoàn thanh niên tỉnh lần thứ XIV nhiệm kỳ 2022-2027",
        ],
        location: None,
        photo_captions: &[
            "Đồng chí Bí thư Chi đoàn phát biểu tại cuộc họp",
            "Toàn cảnh cuộc họp",
            "Đồng chí ủy viên Ban Thường vụ Đoàn khối phát biểu tại cuộc họp",
        ],
        published: (9, 20, 17),
        byline: Some("Chi đoàn Văn phòng UBND tỉnh"),
    },
    DemoActivity {
        slug: "cum-thi-dua-so-4-day-manh-cac-phong-trao-thanh-nien-tinh-nguyen-huong-ve-co-so",
        title: "Cụm thi đua số 4 đẩy mạnh các phong trào thanh niên tình nguyện hướng về cơ sở",
        summary: "Thời gian qua, Cụm thi đua số 4, Đoàn khối CCQ tỉnh đã đẩy mạnh các phong trào thanh niên tình nguyện hướng về cơ sở, nhất là những xã vùng sâu, vùng xa, vùng biên giới. Từ đó, phát huy vai trò xung kích của tuổi trẻ, góp phần đảm bảo an sinh xã hội, lan tỏa những hành động đẹp và ý nghĩa trong cộng đồng.",
        body: None,
        occurred_on: (2023, 9, 1),
        precision: DatePrecision::Month,
        part_of_day: None,
        organizer: BLOC,
        partners: &[],
        cluster: true,
        category: Category::Volunteering,
        tags: &["Thanh niên tình nguyện"],
        documents: &[],
        location: None,
        photo_captions: &[],
        published: (9, 20, 16),
        byline: None,
    },
    DemoActivity {
        slug: "sinh-hoat-chuyen-de-the-loai-tham-quyen-ban-hanh-va-the-thuc-van-ban-cua-dang",
        title: "Sinh hoạt chuyên đề “Thể loại, thẩm quyền ban hành và thể thức văn bản của Đảng”",
        summary: "Ngày 14/9/2023, Chi đoàn Văn phòng Tỉnh uỷ tổ chức sinh hoạt chuyên đề về công tác chuyên môn năm 2023 với chủ đề “Thể loại, thẩm quyền ban hành và thể thức văn bản của Đảng”.",
        body: Some(VP_TU_BODY),
        occurred_on: (2023, 9, 14),
        precision: DatePrecision::Day,
        part_of_day: None,
        organizer: VP_TU,
        partners: &[],
        cluster: false,
        category: Category::ThematicSession,
        tags: &[],
        documents: &[],
        location: None,
        photo_captions: &[
            "Buổi sinh hoạt chuyên đề về công tác chuyên môn của chi đoàn VPTU",
            "Đoàn viên tham gia phát biểu ý kiến tại buổi sinh hoạt chuyên đề",
            "Đoàn viên tuyên truyền kỷ niệm 83 năm ngày khởi nghĩa Bắc Sơn (27/9/1940 - 27/9/2023)",
        ],
        published: (9, 14, 17),
        byline: Some("Hoàng Bích Liên – Bí thư Chi đoàn Văn phòng Tỉnh uỷ"),
    },
    DemoActivity {
        slug: "hoat-dong-tinh-nguyen-vi-dan-em-than-yeu-tai-xa-mau-son",
        title: "Hoạt động tình nguyện hưởng ứng cuộc vận động “Vì đàn em thân yêu” tại xã Mẫu Sơn",
        summary: "Ngày 08/9/2023, các cơ sở Đoàn trực thuộc Đoàn Khối bao gồm: Chi đoàn Sở Giao thông vận tải, Chi đoàn Sở Nông nghiệp và Phát triển nông thôn, Chi đoàn Ban Quản lý Dự án Đầu tư xây dựng tỉnh đã phối hợp với Đoàn xã Mẫu Sơn, huyện Cao Lộc tổ chức hoạt động tình nguyện hưởng ứng cuộc vận động \"vì đàn em thân yêu\" tại xã Mẫu Sơn, huyện Cao Lộc.",
        body: None,
        occurred_on: (2023, 9, 8),
        precision: DatePrecision::Day,
        part_of_day: None,
        organizer: SO_GTVT,
        partners: &[
            (SO_NN, PartnerRole::CoOrganizer),
            (BQLDA, PartnerRole::CoOrganizer),
            (MAU_SON, PartnerRole::CoOrganizer),
        ],
        cluster: false,
        category: Category::Volunteering,
        tags: &["Vì đàn em thân yêu"],
        documents: &[],
        location: Some("xã Mẫu Sơn, huyện Cao Lộc"),
        photo_captions: &[],
        published: (9, 8, 17),
        byline: None,
    },
    DemoActivity {
        slug: "sinh-hoat-chuyen-de-quan-ly-dia-ban-gan-voi-phan-mem-xu-ly-vi-pham-hanh-chinh-ins",
        title: "Sinh hoạt chuyên đề: “Một số giải pháp nâng cao chất lượng công tác quản lý địa bàn, gắn với khai thác sử dụng hệ thống phần mềm xử lý vi phạm hành chính (INS)”",
        summary: "Thực hiện Chương trình số 28-CT/ĐTN ngày 21/02/2023 của Ban chấp hành Chi đoàn Cục Quản lý thị trường về công tác Đoàn và phong trào thanh niên năm 2023. Ngày 31/8/2023 Ban chấp hành Chi đoàn Cục Quản lý thị trường tỉnh Lạng Sơn đã tổ chức sinh hoạt chuyên đề: “Một số giải pháp nâng cao chất lượng công tác quản lý địa bàn, gắn với khai thác sử dụng hệ thống phần mềm xử lý vi phạm hành chính (INS)”",
        body: None,
        occurred_on: (2023, 8, 31),
        precision: DatePrecision::Day,
        part_of_day: None,
        organizer: QLTT,
        partners: &[],
        cluster: false,
        category: Category::ThematicSession,
        tags: &[],
        documents: &["Chương trình số 28-CT/ĐTN ngày 21/02/2023"],
        location: None,
        photo_captions: &[],
        published: (9, 7, 18),
        byline: None,
    },
    DemoActivity {
        slug: "cum-thi-dua-so-4-so-ket-cong-tac-doan-9-thang-dau-nam-2023",
        title: "Cụm thi đua số 4 sơ kết công tác đoàn và phong trào thanh niên 9 tháng đầu năm 2023",
        summary: "Thực hiện chương trình công tác Đoàn và phong trào thanh niên năm 2023, Chiều ngày 07/9/2023 tại Trung tâm Kiểm soát bệnh tật tỉnh lạng Sơn, Cụm thi đua số 4 thuộc Đoàn khối các cơ quan tỉnh đã tổ tổ chức hội nghị sơ kết công tác đoàn và phong trào thanh niên 9 tháng đầu năm, triển khai nhiệm vụ trọng tâm 3 tháng cuối năm 2023. Chi đoàn Trung tâm Kiểm soát bệnh tật tỉnh, Cụm phó thường trực cụm thi đua số 4 chủ trì hội nghị.",
        body: None,
        occurred_on: (2023, 9, 7),
        precision: DatePrecision::Day,
        part_of_day: Some(PartOfDay::Afternoon),
        organizer: BLOC,
        partners: &[(KSBT, PartnerRole::Chair)],
        cluster: true,
        category: Category::Conference,
        tags: &[],
        documents: &[],
        location: Some("Trung tâm Kiểm soát bệnh tật tỉnh Lạng Sơn"),
        photo_captions: &[],
        published: (9, 7, 17),
        byline: None,
    },
];

/// A demo publication time: (month, day, hour) of 2023 in Asia/Ho_Chi_Minh, in UTC.
fn published_at(
    (month, day, hour): (u32, u32, u32),
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    chrono_tz::Asia::Ho_Chi_Minh
        .with_ymd_and_hms(2023, month, day, hour, 0, 0)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| anyhow::anyhow!("bad demo publication time"))
}

/// The page's activities: added where missing, brought up to date where loaded by an earlier
/// demo and never edited since. Returns (added, updated).
fn load_activities(
    conn: &mut Conn,
    store: &dyn crate::media::store::MediaStore,
) -> anyhow::Result<(usize, usize)> {
    use crate::activities::dto::{ActivityFields, DocumentInput, PartnerInput, PhotoInput, Status};
    use crate::activities::repo as acts;
    let admin = users::by_username(conn, "admin")?
        .ok_or_else(|| anyhow::anyhow!("the demo admin is missing"))?;
    let as_admin = crate::auth::AuthUser {
        id: admin.id,
        username: admin.username.clone(),
        role: Role::Admin,
        organization_id: None,
    };
    let cluster = crate::db::tree::lookup_cluster(conn, CLUSTER_SLUG)?;
    // Loaded as the clock: revisions and subscribers' events on the configured URLs.
    let site = crate::context::Site::current();
    let (mut added, mut updated) = (0, 0);
    for a in ACTIVITIES {
        let existing = acts::find_row(conn, a.slug).ok();
        // A row someone has edited since the demo loaded it, or one the demo did not load,
        // stays as it is.
        if existing
            .as_ref()
            .is_some_and(|row| row.updated_at != row.created_at || row.created_by != Some(admin.id))
        {
            continue;
        }
        let id_of = |conn: &mut Conn, name: &str| -> anyhow::Result<i64> {
            Ok(i64::from(orgs::lookup(conn, &slug_of(name))?.ok_or_else(
                || anyhow::anyhow!("demo unit {name} is missing"),
            )?))
        };
        let mut partners = Vec::new();
        for (name, role) in a.partners {
            partners.push(PartnerInput {
                organization_id: id_of(conn, name)?,
                role: *role,
            });
        }
        let organizer_id = id_of(conn, a.organizer)?;
        let mut photos = Vec::new();
        for caption in a.photo_captions {
            let media_id = demo_photo(conn, &as_admin, store, caption, organizer_id)?;
            photos.push(PhotoInput {
                media_id: Some(media_id),
                url: None,
                alt: Some(caption.to_string()),
                caption: Some(caption.to_string()),
                credit: Some(DEMO_PHOTO_CREDIT.into()),
            });
        }
        let (y, m, d) = a.occurred_on;
        let fields = ActivityFields {
            title: a.title.to_string(),
            summary: Some(a.summary.to_string()),
            body: a.body.map(str::to_string),
            occurred_on: chrono::NaiveDate::from_ymd_opt(y, m, d)
                .ok_or_else(|| anyhow::anyhow!("bad demo date"))?,
            date_precision: a.precision,
            ends_on: None,
            part_of_day: a.part_of_day,
            location: a.location.map(str::to_string),
            category: a.category,
            organizer_id,
            partners,
            cluster_id: if a.cluster {
                cluster.map(i64::from)
            } else {
                None
            },
            tags: a.tags.iter().map(|t| t.to_string()).collect(),
            documents: a
                .documents
                .iter()
                .map(|d| DocumentInput {
                    raw: Some(d.to_string()),
                    media_id: None,
                })
                .collect(),
            photos,
            byline: a.byline.map(str::to_string),
            participants_count: None,
            status: Status::Published,
            published_at: Some(published_at(a.published)?),
            // The page marks no item as tin nổi bật.
            featured: false,
            featured_until: None,
        };
        if existing.is_some() {
            // Loaded by an earlier version of the demo and never edited: brought up to date
            // (one revision, none when it already is).
            let before = acts::find_row(conn, a.slug)?.version;
            let after = acts::replace(conn, &as_admin, a.slug, fields, &site)
                .map_err(|e| anyhow::anyhow!("updating demo activity {}: {e}", a.slug))?;
            if after.version != i64::from(before) {
                updated += 1;
            }
        } else {
            acts::create(conn, &as_admin, Some(a.slug.to_string()), fields, &site)
                .map_err(|e| anyhow::anyhow!("loading demo activity {}: {e}", a.slug))?;
            added += 1;
        }
    }
    Ok((added, updated))
}

/// Said of every demo picture: drawn, not taken.
const DEMO_PHOTO_CREDIT: &str = "Ảnh minh hoạ của bản demo";

/// The medium of a demo photo: a picture drawn for its caption (the seed page gives captions,
/// not photos), uploaded for the organizer once (the same caption draws the same file, found
/// again on the next start).
fn demo_photo(
    conn: &mut Conn,
    admin: &crate::auth::AuthUser,
    store: &dyn crate::media::store::MediaStore,
    caption: &str,
    organizer_id: i64,
) -> anyhow::Result<i64> {
    use crate::db::schema::media;
    use crate::media::{placeholder, process, repo};
    use diesel::prelude::*;
    // Drawn and processed once per process (the same caption gives the same files).
    static DRAWN: std::sync::Mutex<
        Option<std::collections::HashMap<String, std::sync::Arc<process::Processed>>>,
    > = std::sync::Mutex::new(None);
    let processed = {
        let mut drawn = DRAWN.lock().unwrap_or_else(|p| p.into_inner());
        let drawn = drawn.get_or_insert_with(Default::default);
        match drawn.get(caption) {
            Some(p) => p.clone(),
            None => {
                let bytes = placeholder::picture(caption, 960, 640);
                let limits = process::Limits {
                    max_pixels: 50_000_000,
                };
                let p = process::process(&bytes, process::Sniffed::Jpeg, limits)
                    .map_err(|e| anyhow::anyhow!("drawing a demo photo: {e}"))?;
                let p = std::sync::Arc::new(p);
                drawn.insert(caption.to_string(), p.clone());
                p
            }
        }
    };
    let found: Option<i32> = media::table
        .filter(media::file.eq(&processed.original().name))
        .select(media::id)
        .first(conn)
        .optional()?;
    if let Some(id) = found {
        // Its files may be gone (a media folder emptied by hand): written again.
        for (_, f) in &processed.files {
            store.put(&f.name, &f.bytes)?;
        }
        return Ok(i64::from(id));
    }
    let description = repo::Description {
        file_name: None,
        alt: Some(caption.to_string()),
        caption: Some(caption.to_string()),
        credit: Some(DEMO_PHOTO_CREDIT.into()),
    };
    let owner = i32::try_from(organizer_id)?;
    let row = repo::insert(conn, admin, owner, &processed, description, store)
        .map_err(|e| anyhow::anyhow!("storing a demo photo: {e}"))?;
    Ok(i64::from(row.id))
}
