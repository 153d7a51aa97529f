package report

import (
	"math"
	"slices"
	"strconv"

	"github.com/l4l-platform/l4l/services/analytics/internal/domain"
)

// Chart geometry (SVG user units).
const (
	chartWidth  = 640
	chartHeight = 220
	padLeft     = 44
	padRight    = 28
	padTop      = 12
	padBottom   = 28
)

// palette is distinguishable in print and for common colour blindness (Okabe–Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"}

// Chart is one headline KPI chart, laid out.
type Chart struct {
	ID     string
	Width  int
	Height int
	// Max is the top of the y axis; Unit the KPIs' unit (percent charts run 0–100).
	Max    float64
	Unit   string
	Series []Series
	XTicks []Tick
	YTicks []Tick
}

// Series is one KPI's line.
type Series struct {
	Key, Name, Colour string
	Points            []Point
	// Path is the polyline through the points (breaks where a quarter has no figure).
	Path string
}

// Point is one figure; Value is the KPI API's value, unrounded.
type Point struct {
	Quarter string
	Value   float64
	X, Y    float64
}

// Tick is an axis label.
type Tick struct {
	Label string
	X, Y  float64
}

// chart lays out keys over the quarters from first to the report's.
func chart(id string, keys []string, in Input, first int) Chart {
	c := Chart{ID: id, Width: chartWidth, Height: chartHeight}
	quarters := in.Quarters[first:]
	plotW := float64(chartWidth - padLeft - padRight)
	plotH := float64(chartHeight - padTop - padBottom)
	x := func(i int) float64 {
		if len(quarters) == 1 {
			return padLeft + plotW/2
		}
		return padLeft + plotW*float64(i)/float64(len(quarters)-1)
	}
	for i, q := range quarters {
		c.XTicks = append(c.XTicks, Tick{Label: q.Name, X: x(i), Y: chartHeight - 8})
	}
	c.Max = 0
	for _, vals := range in.KPIs[first:] {
		for _, v := range vals {
			if slices.Contains(keys, v.Key) {
				c.Unit = v.Unit
				if v.Value != nil {
					c.Max = math.Max(c.Max, *v.Value)
				}
			}
		}
	}
	if c.Unit == domain.Percent {
		c.Max = 100
	} else {
		c.Max = niceCeil(c.Max)
	}
	y := func(v float64) float64 { return padTop + plotH*(1-v/c.Max) }
	for _, f := range []float64{0, 0.5, 1} {
		c.YTicks = append(c.YTicks, Tick{Label: strconv.FormatFloat(c.Max*f, 'f', -1, 64), X: padLeft - 6, Y: y(c.Max * f)})
	}
	for si, key := range keys {
		s := Series{Key: key, Colour: palette[si%len(palette)]}
		pen := "M"
		for qi, vals := range in.KPIs[first:] {
			i := slices.IndexFunc(vals, func(v domain.Value) bool { return v.Key == key })
			if i < 0 {
				continue
			}
			s.Name = vals[i].Name
			if vals[i].Value == nil {
				pen = "M"
				continue
			}
			p := Point{Quarter: quarters[qi].Name, Value: *vals[i].Value, X: x(qi), Y: y(*vals[i].Value)}
			s.Points = append(s.Points, p)
			s.Path += pen + strconv.FormatFloat(p.X, 'f', 1, 64) + " " + strconv.FormatFloat(p.Y, 'f', 1, 64) + " "
			pen = "L"
		}
		if s.Name != "" {
			c.Series = append(c.Series, s)
		}
	}
	return c
}

// niceCeil is the smallest of 1, 2, 5 × 10^k at or above v (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// AxisEnd is where the x axis ends.
func (c Chart) AxisEnd() int { return c.Width - padRight }
