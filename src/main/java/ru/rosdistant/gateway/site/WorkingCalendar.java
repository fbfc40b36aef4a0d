package ru.rosdistant.gateway.site;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * When the lines work: the production calendar (public holidays, transferred days off and working days)
 * and each line's working hours in its time zone; and "date plus N working days" for due dates.
 */
@Component
public class WorkingCalendar {

    /** How far ahead {@link #nextOpening} looks before it gives up. */
    private static final int HORIZON_DAYS = 366;

    private final ProductionCalendar calendar;

    private final Hours defaults;

    private final Map<String, Hours> lines = new HashMap<>();

    @Autowired
    WorkingCalendar(CalendarProperties properties, Sites sites) {
        this(ProductionCalendar.load(properties.location()), properties);
        properties.lines()
                .keySet()
                .stream()
                .filter(line -> sites.line(line).isEmpty())
                .findFirst()
                .ifPresent(line -> {
                    throw new IllegalStateException("gateway.calendar.lines names an unknown line '" + line + "'");
                });
    }

    WorkingCalendar(ProductionCalendar calendar, CalendarProperties properties) {
        this.calendar = calendar;
        CalendarProperties.DefaultHours base = properties.defaultHours();
        this.defaults = new Hours(base.zone(), base.opens(), base.closes(), base.days());
        properties.lines().forEach((line, hours) -> lines.put(line, new Hours(
                hours.zone() != null ? hours.zone() : defaults.zone(),
                hours.opens() != null ? hours.opens() : defaults.opens(),
                hours.closes() != null ? hours.closes() : defaults.closes(),
                hours.days() != null ? hours.days() : defaults.days())));
    }

    /** Whether the date is a working day of the production calendar (five-day week). */
    public boolean isWorkingDay(LocalDate date) {
        return calendar.isWorkingDay(date);
    }

    /** Whether the line works at that instant: a day it works, inside its hours, in its time zone. */
    public boolean isOpen(String lineId, Instant at) {
        Hours hours = hours(lineId);
        ZonedDateTime local = at.atZone(hours.zone());
        return works(hours, local.toLocalDate()) && hours.covers(local.toLocalTime());
    }

    /**
     * When the line opens next, in its time zone: {@code at} itself when the line is open then; empty when
     * it does not open within a year.
     */
    public Optional<ZonedDateTime> nextOpening(String lineId, Instant at) {
        Hours hours = hours(lineId);
        ZonedDateTime now = at.atZone(hours.zone());
        if (isOpen(lineId, at)) {
            return Optional.of(now);
        }
        LocalDate today = now.toLocalDate();
        for (int day = 0; day <= HORIZON_DAYS; day++) {
            LocalDate date = today.plusDays(day);
            if (!works(hours, date)) {
                continue;
            }
            ZonedDateTime opening = date.atTime(hours.opens()).atZone(hours.zone());
            if (opening.isAfter(now)) {
                return Optional.of(opening);
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code days}-th working day after {@code date} (regulation: a task is due "+3 working days"
     * after the dialog). With {@code days} 0 it is {@code date} itself when that is a working day, or else
     * the first working day after it.
     *
     * @throws IllegalArgumentException when {@code days} is negative
     */
    public LocalDate plusWorkingDays(LocalDate date, int days) {
        if (days < 0) {
            throw new IllegalArgumentException("days must not be negative: " + days);
        }
        LocalDate result = date;
        if (days == 0) {
            while (!isWorkingDay(result)) {
                result = result.plusDays(1);
            }
            return result;
        }
        int left = days;
        while (left > 0) {
            result = result.plusDays(1);
            if (isWorkingDay(result)) {
                left--;
            }
        }
        return result;
    }

    /** One stretch of a line's working time, {@code opens} included, {@code closes} not. */
    public record Interval(Instant opens, Instant closes) {
    }

    /**
     * The line's working time on the dates {@code from} to {@code to} (both included), in order; stretches that
     * touch (a line working round the clock) are joined.
     */
    public List<Interval> workingIntervals(String lineId, LocalDate from, LocalDate to) {
        Hours hours = hours(lineId);
        List<Interval> intervals = new ArrayList<>();
        for (LocalDate date = from; !date.isAfter(to); date = date.plusDays(1)) {
            if (!works(hours, date)) {
                continue;
            }
            Instant opens = date.atTime(hours.opens()).atZone(hours.zone()).toInstant();
            Instant closes = (hours.closes().equals(LocalTime.MIDNIGHT) ? date.plusDays(1).atStartOfDay(hours.zone())
                    : date.atTime(hours.closes()).atZone(hours.zone())).toInstant();
            if (!intervals.isEmpty() && intervals.get(intervals.size() - 1).closes().equals(opens)) {
                opens = intervals.remove(intervals.size() - 1).opens();
            }
            intervals.add(new Interval(opens, closes));
        }
        return intervals;
    }

    /** The time zone of the line's working hours. */
    public ZoneId zone(String lineId) {
        return hours(lineId).zone();
    }

    private Hours hours(String lineId) {
        return lineId == null ? defaults : lines.getOrDefault(lineId, defaults);
    }

    private boolean works(Hours hours, LocalDate date) {
        return hours.days() == CalendarProperties.Days.EVERY_DAY || isWorkingDay(date);
    }
}
