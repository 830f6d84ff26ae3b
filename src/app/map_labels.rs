//! Plate labels and cluster counts, drawn on a canvas of their own over the map, like the markers.
//!
//! As elements, a thousand labels moving at every step of the timeline cost the browser about 40 ms
//! a fleet in style, layout, layerizing and compositing (Chromium traces of the scrubbing
//! benchmark); drawn, a few. Labels are decluttered (`declutter`): no two overlap.

use std::{collections::HashMap, rc::Rc};

use leaflet::{Map, Point};
use wasm_bindgen::JsCast;

use super::declutter::{Declutter, LABEL_HEIGHT, MARKER_RADIUS};

const PLATE_FONT: &str = "600 11px ui-monospace, monospace";
const COUNT_FONT: &str = "700 12px system-ui, sans-serif";

/// A label at a point in layer pixels (Leaflet's coordinates for the current zoom).
pub enum Label {
    /// A vehicle's plate, beside its marker.
    Plate { plate: Rc<str>, selected: bool },
    /// A cluster's count, on its marker.
    Count(usize),
}

pub struct LabelCanvas {
    canvas: web_sys::HtmlCanvasElement,
    context: web_sys::CanvasRenderingContext2d,
    /// Text widths measured, by text.
    widths: HashMap<Rc<str>, f64>,
    labels: Vec<((f64, f64), Label)>,
    /// Where the labels of the fleet being laid out stand.
    declutter: Declutter,
}

impl LabelCanvas {
    /// A canvas in a pane of the map's own, above the markers and below popups, hidden while a
    /// zoom is animated (Leaflet's `leaflet-zoom-hide`) and drawn again after it.
    pub fn new(map: &Map) -> Option<Self> {
        let pane = map.create_pane_by_name("labelsPane");
        // Leaflet's tooltips' place (their pane is 650, popups 700).
        let _ = pane.style().set_property("z-index", "650");
        let document = web_sys::window()?.document()?;
        let canvas: web_sys::HtmlCanvasElement =
            document.create_element("canvas").ok()?.unchecked_into();
        canvas.set_class_name("map-labels leaflet-zoom-hide");
        let _ = canvas.set_attribute("aria-hidden", "true");
        pane.append_child(&canvas).ok()?;
        let context = canvas.get_context("2d").ok()??.unchecked_into();
        Some(Self {
            canvas,
            context,
            widths: HashMap::new(),
            labels: Vec::new(),
            declutter: Declutter::default(),
        })
    }

    /// Starts laying out a new set of labels.
    pub fn clear(&mut self) {
        self.labels.clear();
        self.declutter.clear();
    }

    /// Adds a vehicle's plate label at `point` unless it would overlap another (see
    /// `declutter`).
    pub fn add_plate(&mut self, point: (f64, f64), plate: &Rc<str>, selected: bool) {
        if self.declutter.place(point, plate, selected) {
            let plate = plate.clone();
            self.labels.push((point, Label::Plate { plate, selected }));
        }
    }

    pub fn add_count(&mut self, point: (f64, f64), count: usize) {
        self.labels.push((point, Label::Count(count)));
    }

    /// Vehicles' labels drawn.
    #[cfg(feature = "probes")]
    pub fn plates(&self) -> usize {
        self.labels
            .iter()
            .filter(|(_, label)| matches!(label, Label::Plate { .. }))
            .count()
    }

    /// Draws the labels for the map's view as it is now (after a new fleet, a pan or a resize).
    pub fn draw(&mut self, map: &Map) {
        let size = map.get_size();
        let (width, height) = (size.x(), size.y());
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let (pixels_wide, pixels_high) = (
            (width * ratio).round() as u32,
            (height * ratio).round() as u32,
        );
        if self.canvas.width() != pixels_wide || self.canvas.height() != pixels_high {
            self.canvas.set_width(pixels_wide);
            self.canvas.set_height(pixels_high);
        }
        // The canvas covers the map's container: its top left corner is the container's, in
        // layer pixels (the pane moves with the map while it is dragged).
        let origin =
            map.lat_lng_to_layer_point(&map.container_point_to_lat_lng(&Point::new(0.0, 0.0)));
        let (left, top) = (origin.x().round(), origin.y().round());
        self.canvas.style().set_css_text(&format!(
            "left:{left}px;top:{top}px;width:{width}px;height:{height}px"
        ));
        let context = &self.context;
        let _ = context.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
        context.clear_rect(0.0, 0.0, width, height);
        let on_canvas = |(x, y): (f64, f64)| {
            let (x, y) = ((x - left).round(), (y - top).round());
            (x > -200.0 && y > -30.0 && x < width + 30.0 && y < height + 30.0).then_some((x, y))
        };

        context.set_font(PLATE_FONT);
        context.set_text_align("left");
        context.set_text_baseline("middle");
        context.set_line_width(1.0);
        for (point, label) in &self.labels {
            let (Label::Plate { plate, selected }, Some((x, y))) = (label, on_canvas(*point))
            else {
                continue;
            };
            let text_width = *self
                .widths
                .entry(plate.clone())
                .or_insert_with(|| context.measure_text(plate).map_or(0.0, |m| m.width()));
            // A box beside the marker with a small arrow pointing at it, like Leaflet's tooltips.
            let (box_left, box_top) = (x + MARKER_RADIUS + 6.0, y - LABEL_HEIGHT / 2.0);
            context.begin_path();
            context.move_to(x + MARKER_RADIUS, y);
            context.line_to(box_left, y - 5.0);
            context.line_to(box_left, y + 5.0);
            context.close_path();
            context.set_fill_style_str("#ffffff");
            context.fill();
            context.set_fill_style_str("rgba(255, 255, 255, 0.92)");
            context.fill_rect(box_left, box_top, text_width + 12.0, LABEL_HEIGHT);
            context.set_stroke_style_str(if *selected { "#1d4ed8" } else { "#94a3b8" });
            context.stroke_rect(
                box_left + 0.5,
                box_top + 0.5,
                text_width + 11.0,
                LABEL_HEIGHT - 1.0,
            );
            context.set_fill_style_str("#222222");
            let _ = context.fill_text(plate, box_left + 6.0, y + 0.5);
        }

        context.set_font(COUNT_FONT);
        context.set_text_align("center");
        context.set_fill_style_str("#ffffff");
        for (point, label) in &self.labels {
            if let (Label::Count(count), Some((x, y))) = (label, on_canvas(*point)) {
                let _ = context.fill_text(&count.to_string(), x, y + 0.5);
            }
        }
    }
}
