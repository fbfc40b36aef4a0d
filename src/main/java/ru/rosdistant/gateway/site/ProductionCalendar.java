package ru.rosdistant.gateway.site;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.Resource;

/**
 * Which dates are working days: the days off and the transferred working days of each year the calendar
 * file lists, and for any other year Monday to Friday minus the statutory holidays.
 */
final class ProductionCalendar {

    private static final Logger log = LoggerFactory.getLogger(ProductionCalendar.class);

    private static final DateTimeFormatter MONTH_DAY = DateTimeFormatter.ofPattern("MM-dd");

    private final Set<Integer> years;

    private final Set<LocalDate> daysOff;

    private final Set<LocalDate> workingDays;

    private final Set<MonthDay> statutoryHolidays;

    private final Set<Integer> warnedYears = ConcurrentHashMap.newKeySet();

    ProductionCalendar(Map<Integer, Year> years, Set<MonthDay> statutoryHolidays) {
        this.years = Set.copyOf(years.keySet());
        Set<LocalDate> off = new HashSet<>();
        Set<LocalDate> working = new HashSet<>();
        years.forEach((year, days) -> {
            off.addAll(checked(year, "days-off", days.daysOff()));
            working.addAll(checked(year, "working-days", days.workingDays()));
        });
        off.stream()
                .filter(working::contains)
                .findFirst()
                .ifPresent(date -> {
                    throw new IllegalStateException("Production calendar: " + date + " is both a day off and a working day");
                });
        this.daysOff = Set.copyOf(off);
        this.workingDays = Set.copyOf(working);
        this.statutoryHolidays = Set.copyOf(statutoryHolidays);
    }

    boolean isWorkingDay(LocalDate date) {
        if (workingDays.contains(date)) {
            return true;
        }
        boolean weekday = date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY;
        if (years.contains(date.getYear())) {
            return weekday && !daysOff.contains(date);
        }
        if (warnedYears.add(date.getYear())) {
            log.warn("The production calendar has no data for {}; using Monday to Friday minus the statutory "
                    + "holidays. Add the year to the calendar file.", date.getYear());
        }
        return weekday && !statutoryHolidays.contains(MonthDay.from(date));
    }

    Set<Integer> years() {
        return years;
    }

    /** Reads a calendar file (see {@code calendar/ru-2026-2027.yml} for the format). */
    static ProductionCalendar load(Resource resource) {
        List<PropertySource<?>> sources;
        try {
            sources = new YamlPropertySourceLoader().load("production calendar " + resource.getDescription(),
                    resource);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not read the production calendar " + resource.getDescription(), ex);
        }
        File file = new Binder(ConfigurationPropertySources.from(sources))
                .bind("calendar", Bindable.of(File.class))
                .orElseThrow(() -> new IllegalStateException(
                        "The production calendar " + resource.getDescription() + " has no 'calendar' section"));
        Set<MonthDay> statutory = new HashSet<>();
        for (String day : file.statutoryHolidays()) {
            try {
                statutory.add(MonthDay.parse(day, MONTH_DAY));
            }
            catch (DateTimeParseException ex) {
                throw new IllegalStateException("Production calendar: statutory holiday '" + day
                        + "' is not MM-dd", ex);
            }
        }
        return new ProductionCalendar(file.years(), statutory);
    }

    private static List<LocalDate> checked(int year, String list, List<LocalDate> dates) {
        dates.stream()
                .filter(date -> date.getYear() != year)
                .findFirst()
                .ifPresent(date -> {
                    throw new IllegalStateException("Production calendar: " + date + " is listed under " + list
                            + " of " + year);
                });
        return dates;
    }

    /** One year of the file. */
    record Year(@DefaultValue List<LocalDate> daysOff, @DefaultValue List<LocalDate> workingDays) {
    }

    /** The file's {@code calendar} section. */
    record File(@DefaultValue List<String> statutoryHolidays, @DefaultValue Map<Integer, Year> years) {
    }
}
