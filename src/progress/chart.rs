//! The geometry of a bar chart of one value per day, for `progress/bars.html` to draw as
//! inline SVG (every value printed there is escaped like any other). Pure.

use chrono::NaiveDate;

/// The chart's size in SVG units; it scales to the width of the page.
pub const WIDTH: u32 = 600;
pub const HEIGHT: u32 = 160;
/// Room for the value axis on the left and the day labels below.
const LEFT: u32 = 36;
const BOTTOM: u32 = 20;
const TOP: u32 = 8;

/// One bar, with its day and the words a screen reader or a tooltip gives for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub day: NaiveDate,
    pub value: u64,
    /// "Mon 7 Dec", for the data table (worked out once: the chart is kept between requests).
    pub day_text: String,
    /// "Mon 7 Dec: 12 reviews"
    pub label: String,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// A line across the chart at a round value, with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tick {
    pub y: u32,
    pub label: String,
}

/// A day's label under the axis (every few days, so they do not overlap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayLabel {
    pub x: u32,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub baseline: u32,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub days: Vec<DayLabel>,
}

/// A round top for the value axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn nice_ceiling(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = step.saturating_mul(factor);
            if candidate >= max {
                return candidate;
            }
        }
        if step > u64::MAX / 10 {
            return u64::MAX;
        }
        step *= 10;
    }
}

/// Bars for `values` (oldest first). `describe` words a value ("12 reviews", "5 min"), and
/// `scale` turns a value into the unit of the axis labels (for seconds shown as minutes).
pub fn bar_chart(
    values: &[(NaiveDate, u64)],
    describe: impl Fn(u64) -> String,
    axis_label: impl Fn(u64) -> String,
) -> BarChart {
    let plot_width = WIDTH - LEFT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let baseline = HEIGHT - BOTTOM;
    let top = nice_ceiling(values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1));
    let count = u32::try_from(values.len()).unwrap_or(u32::MAX).max(1);
    let slot = (plot_width / count).max(1);
    let gap = (slot / 5).max(1);
    let scaled = |value: u64| -> u32 {
        let h = u128::from(value.min(top)) * u128::from(plot_height) / u128::from(top);
        u32::try_from(h).unwrap_or(plot_height)
    };
    let bars: Vec<Bar> = values
        .iter()
        .zip(0u32..)
        .map(|((day, value), i)| {
            let height = scaled(*value);
            let day_text = day.format("%a %-d %b").to_string();
            Bar {
                day: *day,
                value: *value,
                label: format!("{day_text}: {}", describe(*value)),
                day_text,
                x: LEFT + i * slot + gap / 2,
                y: baseline - height,
                width: slot.saturating_sub(gap).max(1),
                height,
            }
        })
        .collect();
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|value| Tick {
            y: baseline - scaled(value),
            label: axis_label(value),
        })
        .collect();
    let days = bars
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 == 0)
        .map(|(_, bar)| DayLabel {
            x: bar.x,
            text: bar.day.format("%-d %b").to_string(),
        })
        .collect();
    BarChart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        baseline,
        bars,
        ticks,
        days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(n)
    }

    #[test]
    fn the_axis_tops_out_at_a_round_number() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(200), 200);
        assert_eq!(nice_ceiling(201), 500);
    }

    #[test]
    fn the_tallest_bar_reaches_a_round_top_and_bars_are_labelled() {
        let chart = bar_chart(
            &[(d(0), 4), (d(1), 10), (d(2), 0)],
            |v| format!("{v} reviews"),
            |v| v.to_string(),
        );
        assert_eq!(chart.bars.len(), 3);
        assert_eq!(chart.bars[1].y, TOP);
        assert_eq!(chart.bars[2].height, 0);
        assert_eq!(chart.bars[0].label, "Tue 1 Dec: 4 reviews");
        assert_eq!(chart.ticks.last().unwrap().label, "10");
        assert_eq!(chart.days.len(), 1);
    }

    proptest! {
        #[test]
        fn bars_stay_inside_the_chart_and_keep_their_order(values in proptest::collection::vec(0u64..100_000, 1..40)) {
            let series: Vec<(NaiveDate, u64)> = values.iter().enumerate().map(|(i, v)| (d(i as u64), *v)).collect();
            let chart = bar_chart(&series, |v| v.to_string(), |v| v.to_string());
            for pair in chart.bars.windows(2) {
                prop_assert!(pair[0].x + pair[0].width <= pair[1].x);
                if pair[0].value <= pair[1].value {
                    prop_assert!(pair[0].height <= pair[1].height);
                }
            }
            for bar in &chart.bars {
                prop_assert!(bar.x + bar.width <= chart.width);
                prop_assert_eq!(bar.y + bar.height, chart.baseline);
                prop_assert!(bar.y >= TOP);
            }
        }
    }
}
