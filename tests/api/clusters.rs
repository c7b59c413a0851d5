//! Clusters, rosters, ranking, results and stats over HTTP.
