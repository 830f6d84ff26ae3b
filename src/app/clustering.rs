//! Clustering of large fleets when the map is zoomed out: pure functions, tested on the server
//! and used by the map in the browser.

/// Above this many vehicles on the map, nearby markers merge into clusters when zoomed out.
pub const CLUSTER_FROM_VEHICLES: usize = 200;
/// From this zoom level on, every vehicle is drawn on its own.
pub const CLUSTER_BELOW_ZOOM: f64 = 11.0;
/// Cluster cells are about this many pixels wide on screen.
const CELL_PIXELS: f64 = 60.0;

/// Vehicles drawn as one marker.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub latitude: f64,
    pub longitude: f64,
    /// Indexes into the positions given to [`clusters`].
    pub members: Vec<usize>,
}

pub fn should_cluster(vehicles: usize, zoom: f64) -> bool {
    vehicles > CLUSTER_FROM_VEHICLES && zoom < CLUSTER_BELOW_ZOOM
}

/// Groups positions by square cells about [`CELL_PIXELS`] wide at `zoom` (the world is 256 px
/// wide at zoom 0); each cluster sits at the centre of its members.
pub fn clusters(positions: &[(f64, f64)], zoom: f64) -> Vec<Cluster> {
    let cell = 360.0 / 2f64.powf(zoom) * CELL_PIXELS / 256.0;
    let mut cells: std::collections::BTreeMap<(i64, i64), Vec<usize>> = Default::default();
    for (index, (latitude, longitude)) in positions.iter().enumerate() {
        let key = (
            (latitude / cell).floor() as i64,
            (longitude / cell).floor() as i64,
        );
        cells.entry(key).or_default().push(index);
    }
    cells
        .into_values()
        .map(|members| {
            let count = members.len() as f64;
            let (latitude, longitude) = members.iter().fold((0.0, 0.0), |(a, b), i| {
                (a + positions[*i].0, b + positions[*i].1)
            });
            Cluster {
                latitude: latitude / count,
                longitude: longitude / count,
                members,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_vehicles_merge_into_one_cluster_when_zoomed_out_and_part_when_zoomed_in() {
        let berlin = [(52.520, 13.400), (52.521, 13.401), (52.519, 13.399)];
        let munich = (48.137, 11.575);
        let positions: Vec<_> = berlin.iter().copied().chain([munich]).collect();

        let far = clusters(&positions, 5.0);
        assert_eq!(far.len(), 2);
        let big = far
            .iter()
            .find(|c| c.members.len() == 3)
            .expect("Berlin is one cluster");
        assert!((big.latitude - 52.520).abs() < 1e-9 && (big.longitude - 13.400).abs() < 1e-9);

        let near = clusters(&positions, 18.0);
        assert_eq!(near.len(), 4, "at street level every vehicle stands alone");
    }

    #[test]
    fn only_large_fleets_zoomed_out_are_clustered() {
        assert!(!should_cluster(CLUSTER_FROM_VEHICLES, 3.0));
        assert!(should_cluster(CLUSTER_FROM_VEHICLES + 1, 3.0));
        assert!(!should_cluster(5000, CLUSTER_BELOW_ZOOM));
    }
}
