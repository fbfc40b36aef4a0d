package ru.rosdistant.gateway.site;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's tour works at any hour with the demo profile; demo-closed shows the out-of-hours path. */
class DemoProfileTests {

    private static final ZoneId SAMARA = ZoneId.of("Europe/Samara");

    @Test
    void theDemoProfileKeepsEveryLineOpenRoundTheClock() throws IOException {
        WorkingCalendar calendar = calendar("application.yml", "application-demo.yml");
        for (String line : List.of("applicant-recruitment", "student-affairs", "dispatcher", "marketing")) {
            assertThat(calendar.isOpen(line, samara(2026, 12, 6, 3, 0))).as(line + " on a Sunday night").isTrue();
            assertThat(calendar.isOpen(line, samara(2026, 12, 31, 23, 30))).as(line + " on a holiday").isTrue();
            assertThat(calendar.isOpen(line, samara(2026, 12, 7, 12, 0))).as(line + " on a Monday").isTrue();
        }
    }

    @Test
    void theDemoClosedProfileShowsTheOutOfHoursPath() throws IOException {
        WorkingCalendar calendar = calendar("application.yml", "application-demo.yml", "application-demo-closed.yml");
        assertThat(calendar.isOpen("applicant-recruitment", samara(2026, 12, 7, 12, 0))).isFalse();
        assertThat(calendar.isOpen("dispatcher", samara(2026, 12, 6, 3, 0))).isFalse();
    }

    /** The calendar as the files give it, later files over earlier ones, as Spring Boot reads profiles. */
    private static WorkingCalendar calendar(String... files) throws IOException {
        StandardEnvironment environment = new StandardEnvironment();
        for (String file : files) {
            for (PropertySource<?> source : new YamlPropertySourceLoader().load(file, new ClassPathResource(file))) {
                environment.getPropertySources().addFirst(source);
            }
        }
        CalendarProperties properties = new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("gateway.calendar", CalendarProperties.class);
        return new WorkingCalendar(ProductionCalendar.load(properties.location()), properties);
    }

    private static Instant samara(int year, int month, int day, int hour, int minute) {
        return LocalDateTime.of(year, month, day, hour, minute).atZone(SAMARA).toInstant();
    }
}
