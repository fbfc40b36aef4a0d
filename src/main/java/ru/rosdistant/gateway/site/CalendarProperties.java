package ru.rosdistant.gateway.site;

import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;

/**
 * Working hours of the lines and where the production calendar lives. A line without an entry under
 * {@code lines} works the {@code default-hours}; an entry overrides only the fields it sets.
 */
@ConfigurationProperties("gateway.calendar")
record CalendarProperties(@DefaultValue("classpath:calendar/ru-2026-2027.yml") Resource location,
        @DefaultValue DefaultHours defaultHours, @DefaultValue Map<String, LineHours> lines) {

    /** Which days a line works: those of the production calendar, or all seven. */
    enum Days {
        WORKING_DAYS, EVERY_DAY
    }

    record DefaultHours(@DefaultValue("Europe/Samara") ZoneId zone, @DefaultValue("09:00") LocalTime opens,
            @DefaultValue("18:00") LocalTime closes, @DefaultValue("WORKING_DAYS") Days days) {
    }

    /** Per line; a field left out is taken from the default hours. */
    record LineHours(ZoneId zone, LocalTime opens, LocalTime closes, Days days) {
    }
}
