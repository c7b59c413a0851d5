//! Feeds (RSS, Atom, JSON Feed) over HTTP, parsed by an independent parser.

#[actix_web::test]
async fn explore_dump() {
    let app = crate::helpers::spawn_with(|a| {
        a.demo = true;
        a.public_url = Some("https://doankhoi.example.vn".into());
    })
    .await;
    for p in [
        "/feeds/activities.rss",
        "/feeds/activities.atom",
        "/feeds/activities.json",
        "/api/v1/organizations/chi-doan-van-phong-ubnd-tinh",
        "/api/v1/clusters/cum-thi-dua-so-4",
    ] {
        let res = app.get(p).await;
        println!("=== {p} {} {:?}", res.status(), res.headers());
        println!("{}", res.text().await.unwrap());
    }
}
