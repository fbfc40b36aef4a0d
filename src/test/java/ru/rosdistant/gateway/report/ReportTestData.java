package ru.rosdistant.gateway.report;

import java.time.Clock;

import org.springframework.context.ApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The hand-counted data set (report/fixture.sql) and the report clock, for tests outside this package (the browser
 * test of the Reports screen).
 */
public final class ReportTestData {

    private ReportTestData() {
    }

    /** Writes the data set anew and sets the report clock after all its deadlines. */
    public static void load(ApplicationContext context) {
        ReportFiguresTests.load(context.getBean(DatabaseClient.class));
        clock(context, ReportFiguresTests.LATER);
    }

    public static void clock(ApplicationContext context, Clock next) {
        context.getBean(ReportClock.class).set(next);
    }
}
