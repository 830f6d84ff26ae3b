//! Which plate labels the map draws: a label is left out where its box would touch a cell of
//! the screen that another label's box touches, as on most maps, so no two overlap; the selected
//! vehicle's is always drawn. Pure, so that it is tested on the server; used by `map_labels`.

use rustc_hash::FxHashSet;

/// A vehicle marker's radius, in screen pixels: plate labels start beside it.
pub const MARKER_RADIUS: f64 = 7.0;
/// A label's box: its height, and the room besides its text (arrow 6, padding 2 × 6).
pub const LABEL_HEIGHT: f64 = 20.0;
const LABEL_ROOM: f64 = 6.0 + 12.0;
/// An 11 px monospace character is about 6.7 px wide (measured in Chromium): enough to reserve a
/// label's box before its text is measured.
const CHAR_WIDTH: f64 = 6.7;
/// Cells of 16 × 10 screen pixels: a plate of eight characters touches about 7 × 3 of them, few
/// enough for a thousand labels at every step of the timeline.
const CELL: (f64, f64) = (16.0, 10.0);

/// The box a plate's label (with its marker) takes on screen: left, top, right, bottom.
pub fn label_box((x, y): (f64, f64), plate: &str) -> (f64, f64, f64, f64) {
    let width = MARKER_RADIUS * 2.0 + LABEL_ROOM + plate.chars().count() as f64 * CHAR_WIDTH;
    let top = y - LABEL_HEIGHT / 2.0;
    (
        x - MARKER_RADIUS,
        top,
        x - MARKER_RADIUS + width,
        top + LABEL_HEIGHT,
    )
}

/// The cells taken by the labels laid out so far.
#[derive(Default)]
pub struct Declutter {
    /// Fx, not SipHash: a thousand labels of about 20 cells each, at every step of a drag.
    taken: FxHashSet<(i64, i64)>,
}

impl Declutter {
    pub fn clear(&mut self) {
        self.taken.clear();
    }

    /// Whether the label at `point` is drawn; if so, its cells are taken.
    pub fn place(&mut self, point: (f64, f64), plate: &str, selected: bool) -> bool {
        let (left, top, right, bottom) = label_box(point, plate);
        let columns = (left / CELL.0).floor() as i64..=(right / CELL.0).floor() as i64;
        let rows = (top / CELL.1).floor() as i64..=(bottom / CELL.1).floor() as i64;
        let free = columns
            .clone()
            .all(|column| rows.clone().all(|row| !self.taken.contains(&(column, row))));
        if free || selected {
            for column in columns {
                self.taken.extend(rows.clone().map(|row| (column, row)));
            }
        }
        free || selected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    }

    #[test]
    fn no_two_labels_drawn_overlap_however_close_their_vehicles() {
        // Given 30 vehicles crowded into 300 × 200 px (a fleet around a city, zoomed out)
        let mut seed = 11u64;
        let mut next = |below: f64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 33) as f64 / (1u64 << 31) as f64 * below
        };
        let points: Vec<(f64, f64)> = (0..30).map(|_| (next(300.0), next(200.0))).collect();
        // When their labels are laid out
        let mut declutter = Declutter::default();
        let drawn: Vec<_> = points
            .iter()
            .enumerate()
            .filter(|(n, point)| declutter.place(**point, &format!("B-FL {n:03}"), false))
            .map(|(n, point)| label_box(*point, &format!("B-FL {n:03}")))
            .collect();
        // Then several are drawn, and none overlaps another
        assert!(drawn.len() >= 5, "{} drawn", drawn.len());
        for (i, a) in drawn.iter().enumerate() {
            for b in &drawn[i + 1..] {
                assert!(!overlap(*a, *b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_selected_vehicles_label_is_always_drawn_and_a_cleared_layout_starts_afresh() {
        let mut declutter = Declutter::default();
        assert!(declutter.place((100.0, 100.0), "A-1", false));
        assert!(
            !declutter.place((104.0, 102.0), "A-2", false),
            "on top of A-1"
        );
        assert!(declutter.place((104.0, 102.0), "A-2", true), "selected");
        declutter.clear();
        assert!(declutter.place((104.0, 102.0), "A-2", false));
    }
}
