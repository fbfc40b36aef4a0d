package ru.rosdistant.gateway.site;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkingCalendarTests {

    private static final ZoneId SAMARA = ZoneId.of("Europe/Samara");

    private final ProductionCalendar shipped = ProductionCalendar.load(
            new ClassPathResource("calendar/ru-2026-2027.yml"));

    /** Nine to six on working days in Samara, except the dispatcher (8–20, Moscow) and a round-the-clock line. */
    private final WorkingCalendar calendar = new WorkingCalendar(shipped, new CalendarProperties(
            new ClassPathResource("calendar/ru-2026-2027.yml"),
            new CalendarProperties.DefaultHours(SAMARA, LocalTime.of(9, 0), LocalTime.of(18, 0),
                    CalendarProperties.Days.WORKING_DAYS),
            Map.of("dispatcher", new CalendarProperties.LineHours(ZoneId.of("Europe/Moscow"), LocalTime.of(8, 0),
                    LocalTime.of(20, 0), null), "marketing", new CalendarProperties.LineHours(null,
                            LocalTime.MIDNIGHT, LocalTime.MIDNIGHT, CalendarProperties.Days.EVERY_DAY))));

    @Test
    void lineIsOpenInsideItsHoursOnAWorkingDay() {
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 11, 25, 9, 0))).isTrue();
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 11, 25, 17, 59))).isTrue();
        assertThat(calendar.zone("applicant-recruitment")).isEqualTo(SAMARA);
    }

    @Test
    void lineIsClosedOutsideItsHours() {
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 11, 25, 8, 59))).isFalse();
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 11, 25, 18, 0))).isFalse();
        assertThat(calendar.nextOpening("applicant-recruitment", samara(2026, 11, 25, 18, 0)))
                .contains(ZonedDateTime.of(2026, 11, 26, 9, 0, 0, 0, SAMARA));
        assertThat(calendar.nextOpening("applicant-recruitment", samara(2026, 11, 25, 7, 0)))
                .contains(ZonedDateTime.of(2026, 11, 25, 9, 0, 0, 0, SAMARA));
    }

    @Test
    void lineIsClosedAtTheWeekendAndOpensOnMonday() {
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 11, 28))).isFalse();
        assertThat(calendar.isOpen("student-affairs", samara(2026, 11, 28, 12, 0))).isFalse();
        assertThat(calendar.nextOpening("student-affairs", samara(2026, 11, 27, 18, 30)))
                .contains(ZonedDateTime.of(2026, 11, 30, 9, 0, 0, 0, SAMARA));
    }

    @Test
    void publicHolidaysAreDaysOff() {
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 1, 7))).as("Christmas, a Wednesday").isFalse();
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 1, 7, 12, 0))).isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 1, 9))).as("transferred from Sat 3 Jan").isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 3, 9))).as("8 March fell on a Sunday").isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 12, 31))).as("transferred from Sun 4 Jan").isFalse();
        assertThat(calendar.isWorkingDay(LocalDate.of(2026, 1, 12))).isTrue();
        assertThat(calendar.nextOpening("applicant-recruitment", samara(2026, 1, 2, 12, 0)))
                .as("the new-year holidays of 2026 end on Sunday 11 January")
                .contains(ZonedDateTime.of(2026, 1, 12, 9, 0, 0, 0, SAMARA));
        assertThat(calendar.isWorkingDay(LocalDate.of(2027, 5, 10))).as("9 May 2027 is a Sunday").isFalse();
    }

    @Test
    void transferredSaturdayIsAWorkingDay() {
        // 2024 (decree of 10.08.2023 No. 1314): Sat 27 Apr worked for Mon 29 Apr
        ProductionCalendar days = new ProductionCalendar(Map.of(2024, new ProductionCalendar.Year(
                List.of(LocalDate.of(2024, 4, 29), LocalDate.of(2024, 4, 30), LocalDate.of(2024, 5, 1)),
                List.of(LocalDate.of(2024, 4, 27)))), Set.of());
        WorkingCalendar withTransfer = new WorkingCalendar(days, new CalendarProperties(null,
                new CalendarProperties.DefaultHours(SAMARA, LocalTime.of(9, 0), LocalTime.of(18, 0),
                        CalendarProperties.Days.WORKING_DAYS), Map.of()));
        assertThat(withTransfer.isWorkingDay(LocalDate.of(2024, 4, 27))).isTrue();
        assertThat(withTransfer.isOpen("any", samara(2024, 4, 27, 10, 0))).isTrue();
        assertThat(withTransfer.isWorkingDay(LocalDate.of(2024, 4, 29))).isFalse();
        assertThat(withTransfer.plusWorkingDays(LocalDate.of(2024, 4, 26), 1)).isEqualTo(LocalDate.of(2024, 4, 27));
        assertThat(withTransfer.plusWorkingDays(LocalDate.of(2024, 4, 27), 1)).isEqualTo(LocalDate.of(2024, 5, 2));
    }

    @Test
    void plusWorkingDaysSkipsTheWeekend() {
        LocalDate friday = LocalDate.of(2026, 11, 27);
        assertThat(calendar.plusWorkingDays(friday, 1)).isEqualTo(LocalDate.of(2026, 11, 30));
        assertThat(calendar.plusWorkingDays(friday, 3)).isEqualTo(LocalDate.of(2026, 12, 2));
        assertThat(calendar.plusWorkingDays(friday, 0)).as("a working day itself").isEqualTo(friday);
        assertThat(calendar.plusWorkingDays(LocalDate.of(2026, 11, 28), 0)).isEqualTo(LocalDate.of(2026, 11, 30));
        assertThatThrownBy(() -> calendar.plusWorkingDays(friday, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plusWorkingDaysSkipsHolidays() {
        // Thu 30 Apr 2026, then Fri 1 May (holiday), weekend, Mon 4 May
        assertThat(calendar.plusWorkingDays(LocalDate.of(2026, 4, 30), 1)).isEqualTo(LocalDate.of(2026, 5, 4));
        // Fri 8 May, then Sat 9, Sun 10, Mon 11 May (day off for 9 May), Tue 12, Wed 13, Thu 14
        assertThat(calendar.plusWorkingDays(LocalDate.of(2026, 5, 8), 3)).isEqualTo(LocalDate.of(2026, 5, 14));
        // across the new year: Wed 30 Dec 2026, then Thu 31 Dec off, Fri 1 Jan 2027 onwards off until Mon 11 Jan
        assertThat(calendar.plusWorkingDays(LocalDate.of(2026, 12, 30), 1)).isEqualTo(LocalDate.of(2027, 1, 11));
    }

    @Test
    void linesHaveTheirOwnHoursAndZones() {
        assertThat(calendar.zone("dispatcher")).isEqualTo(ZoneId.of("Europe/Moscow"));
        Instant sevenThirtyInMoscow = ZonedDateTime.of(2026, 11, 25, 7, 30, 0, 0, ZoneId.of("Europe/Moscow"))
                .toInstant();
        assertThat(calendar.isOpen("dispatcher", sevenThirtyInMoscow)).isFalse();
        assertThat(calendar.isOpen("dispatcher", sevenThirtyInMoscow.plusSeconds(3600))).isTrue();
        assertThat(calendar.isOpen("marketing", samara(2026, 1, 1, 3, 0))).as("round the clock").isTrue();
        assertThat(calendar.nextOpening("marketing", samara(2026, 1, 1, 3, 0)))
                .contains(ZonedDateTime.of(2026, 1, 1, 3, 0, 0, 0, SAMARA));
    }

    @Test
    void yearsMissingFromTheFileFallBackToStatutoryHolidays() {
        assertThat(shipped.years()).containsExactlyInAnyOrder(2026, 2027);
        assertThat(calendar.isWorkingDay(LocalDate.of(2028, 11, 3))).isTrue();
        assertThat(calendar.isWorkingDay(LocalDate.of(2028, 6, 12))).as("a Monday, statutory").isFalse();
    }

    @Test
    void calendarFileIsCheckedWhenLoaded() {
        ByteArrayResource wrongYear = new ByteArrayResource("""
                calendar:
                  years:
                    2026:
                      days-off: [ 2027-01-01 ]
                """.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ProductionCalendar.load(wrongYear)).hasMessageContaining("2027-01-01");
        assertThatThrownBy(() -> new Hours(SAMARA, LocalTime.of(18, 0), LocalTime.of(9, 0),
                CalendarProperties.Days.WORKING_DAYS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statutoryHolidaysComeFromTheFile() {
        ProductionCalendar loaded = ProductionCalendar.load(new ByteArrayResource("""
                calendar:
                  statutory-holidays: [ "01-07" ]
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(loaded.isWorkingDay(LocalDate.of(2030, 1, 7))).as("a Monday").isFalse();
        assertThat(loaded.isWorkingDay(LocalDate.of(2030, 1, 8))).isTrue();
    }

    @Test
    void workingIntervalsSkipTheWeekendAndTheHolidayAndJoinRoundTheClockDays() {
        assertThat(calendar.workingIntervals("applicant-recruitment", LocalDate.of(2026, 5, 8), LocalDate.of(2026, 5, 12)))
                .containsExactly(new WorkingCalendar.Interval(samara(2026, 5, 8, 9, 0), samara(2026, 5, 8, 18, 0)),
                        new WorkingCalendar.Interval(samara(2026, 5, 12, 9, 0), samara(2026, 5, 12, 18, 0)));
        assertThat(calendar.workingIntervals("marketing", LocalDate.of(2026, 5, 8), LocalDate.of(2026, 5, 12)))
                .containsExactly(new WorkingCalendar.Interval(samara(2026, 5, 8, 0, 0), samara(2026, 5, 13, 0, 0)));
    }

    private static Instant samara(int year, int month, int day, int hour, int minute) {
        return LocalDateTime.of(year, month, day, hour, minute).atZone(SAMARA).toInstant();
    }
}
