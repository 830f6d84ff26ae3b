//! The benchmark's table: rows printed as they are measured, and all of them as markdown at
//! the end.

/// One line of the table.
pub struct Row {
    label: String,
    value: String,
}

impl Row {
    pub fn new(label: impl Into<String>, value: String) -> Self {
        Self {
            label: label.into(),
            value,
        }
    }
}

/// The rows measured so far: each is printed as it comes, since a full run takes a while, and all
/// of them again as a markdown table at the end.
#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    pub fn push(&mut self, row: Row) {
        println!("  {}: {}", row.label, row.value);
        self.rows.push(row);
    }

    pub fn print_markdown(&self) {
        println!("| measure | result |");
        println!("| --- | --- |");
        for Row { label, value } in &self.rows {
            println!("| {label} | {value} |");
        }
    }
}
