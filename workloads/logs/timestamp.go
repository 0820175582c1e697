package logs

// Log lines carry their time as an RFC 3339 timestamp in UTC with
// milliseconds, 2027-01-15T08:00:00.123Z, the way most services log it. The
// generator writes one per record and every pipeline reads one per record,
// so both are done by hand, with the proleptic Gregorian calendar
// arithmetic of Howard Hinnant's days_from_civil and civil_from_days,
// instead of through time.Time's general formatting and parsing.

// TimestampLen is the length of a timestamp.
const TimestampLen = len("2006-01-02T15:04:05.000Z")

// appendTimestamp appends the timestamp of ms milliseconds since the Unix
// epoch, for years 0000 to 9999.
func appendTimestamp(b []byte, ms int64) []byte {
	days := floorDiv(ms, 86_400_000)
	rem := ms - days*86_400_000
	y, m, d := civilFromDays(days)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, rem/3_600_000)
	b = append(b, ':')
	b = append2(b, rem/60_000%60)
	b = append(b, ':')
	b = append2(b, rem/1000%60)
	b = append(b, '.')
	b = append(b, byte('0'+rem%1000/100), byte('0'+rem%100/10), byte('0'+rem%10))
	return append(b, 'Z')
}

func append2(b []byte, v int64) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int64) []byte {
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// parseTimestamp reads a timestamp written as appendTimestamp writes it and
// returns its milliseconds since the Unix epoch. It refuses any other
// layout and any field out of range, the day of the month included.
func parseTimestamp(s string) (int64, bool) {
	if len(s) != TimestampLen || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
		s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	hh, ok4 := digits(s[11:13])
	mm, ok5 := digits(s[14:16])
	ss, ok6 := digits(s[17:19])
	ms, ok7 := digits(s[20:23])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	return daysFromCivil(y, m, d)*86_400_000 + hh*3_600_000 + mm*60_000 + ss*1000 + ms, true
}

func digits(s string) (int64, bool) {
	var v int64
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// daysFromCivil returns the days since 1970-01-01 of a date: the year is
// shifted to start in March, so the leap day ends it, and counted in
// 400-year eras of 146097 days.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}
