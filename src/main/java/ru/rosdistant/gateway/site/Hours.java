package ru.rosdistant.gateway.site;

import java.time.LocalTime;
import java.time.ZoneId;

/**
 * The working hours of one line: from {@code opens} until {@code closes} on the line's days, in its zone.
 * {@code closes} 00:00 means midnight at the end of the day, so 00:00–00:00 is round the clock.
 */
record Hours(ZoneId zone, LocalTime opens, LocalTime closes, CalendarProperties.Days days) {

    Hours {
        if (!closes.equals(LocalTime.MIDNIGHT) && !closes.isAfter(opens)) {
            throw new IllegalArgumentException("Working hours must close after they open (" + opens + "–" + closes
                    + "); use 00:00 as the closing time for midnight");
        }
    }

    boolean covers(LocalTime time) {
        return !time.isBefore(opens) && (closes.equals(LocalTime.MIDNIGHT) || time.isBefore(closes));
    }
}
