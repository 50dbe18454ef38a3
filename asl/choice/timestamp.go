package choice

import "time"

// ParseTimestamp parses a timestamp the way AWS Step Functions does for the
// Timestamp... choice operators and for the Wait state's Timestamp and
// TimestampPath: an ISO-8601 extended offset date-time (Java's
// ISO_OFFSET_DATE_TIME, strict), that is
//
//	yyyy-MM-ddTHH:mm[:ss[.f...]]offset
//
// with 'T' required (either case), seconds optional, up to nine fraction
// digits, and an offset of 'Z' (either case), ±HH:MM or ±HH:MM:SS of at most
// 18 hours. The date and time must exist: 2016-13-05, 2015-02-29 and 25:00
// are rejected, as are a space instead of 'T' and a missing offset. Years
// have four digits, or more after a '+' sign, or a '-' sign for years before
// year 0. The result is in UTC.
func ParseTimestamp(s string) (time.Time, bool) {
	p := tsParser{s: s}
	year, ok := p.year()
	if !ok || !p.lit('-') {
		return time.Time{}, false
	}
	month, ok := p.digits2(1, 12)
	if !ok || !p.lit('-') {
		return time.Time{}, false
	}
	day, ok := p.digits2(1, 31)
	if !ok || day > daysIn(year, month) {
		return time.Time{}, false
	}
	if !p.lit('T') && !p.lit('t') {
		return time.Time{}, false
	}
	hour, ok := p.digits2(0, 23)
	if !ok || !p.lit(':') {
		return time.Time{}, false
	}
	minute, ok := p.digits2(0, 59)
	if !ok {
		return time.Time{}, false
	}
	sec, nano := 0, 0
	if p.peek() == ':' {
		p.pos++
		if sec, ok = p.digits2(0, 59); !ok {
			return time.Time{}, false
		}
		if p.lit('.') {
			scale := 100000000
			for n := 0; n < 9 && p.pos < len(s) && isDigit(s[p.pos]); n++ {
				nano += int(s[p.pos]-'0') * scale
				scale /= 10
				p.pos++
			}
		}
	}
	offset, ok := p.offset()
	if !ok || p.pos != len(s) {
		return time.Time{}, false
	}
	secs := daysFromCivil(int64(year), int64(month), int64(day))*86400 +
		int64(hour*3600+minute*60+sec-offset)
	return time.Unix(secs, int64(nano)).UTC(), true
}

// daysFromCivil returns the number of days from 1970-01-01 to a date of the
// proleptic Gregorian calendar, counting in 400-year eras of 146097 days
// whose years start on March 1 (so the leap day ends a year).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400 // year of era, 0..399
	mp := (m + 9) % 12 // month counted from March, 0..11
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // day of era, 0..146096
	return era*146097 + doe - 719468
}

type tsParser struct {
	s   string
	pos int
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *tsParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *tsParser) lit(c byte) bool {
	if p.peek() == c {
		p.pos++
		return true
	}
	return false
}

// digits2 reads exactly two digits whose value is in [lo, hi].
func (p *tsParser) digits2(lo, hi int) (int, bool) {
	if p.pos+2 > len(p.s) || !isDigit(p.s[p.pos]) || !isDigit(p.s[p.pos+1]) {
		return 0, false
	}
	v := int(p.s[p.pos]-'0')*10 + int(p.s[p.pos+1]-'0')
	p.pos += 2
	return v, v >= lo && v <= hi
}

// year reads a year: four digits unsigned, five to nine after '+', four to
// nine after '-'.
func (p *tsParser) year() (int, bool) {
	sign := 0
	switch p.peek() {
	case '+':
		sign = 1
		p.pos++
	case '-':
		sign = -1
		p.pos++
	}
	start := p.pos
	v := 0
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) && p.pos-start < 10 {
		v = v*10 + int(p.s[p.pos]-'0')
		p.pos++
	}
	n := p.pos - start
	switch sign {
	case 0:
		return v, n == 4
	case 1:
		return v, n >= 5 && n <= 9
	}
	return -v, n >= 4 && n <= 9
}

// offset reads Z, ±HH:MM or ±HH:MM:SS and returns it in seconds east of UTC.
func (p *tsParser) offset() (int, bool) {
	c := p.peek()
	if c == 'Z' || c == 'z' {
		p.pos++
		return 0, true
	}
	if c != '+' && c != '-' {
		return 0, false
	}
	p.pos++
	h, ok := p.digits2(0, 18)
	if !ok || !p.lit(':') {
		return 0, false
	}
	m, ok := p.digits2(0, 59)
	if !ok {
		return 0, false
	}
	sec := 0
	if p.peek() == ':' {
		p.pos++
		if sec, ok = p.digits2(0, 59); !ok {
			return 0, false
		}
	}
	total := h*3600 + m*60 + sec
	if total > 18*3600 {
		return 0, false
	}
	if c == '-' {
		total = -total
	}
	return total, true
}

// daysIn returns the number of days of a month in the proleptic Gregorian
// calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
