package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.tasks}: due dates, escalation and who is told.
 *
 * @param dueWorkingDays a task is due this many working days after the dialog (regulation: 3)
 * @param checkInterval how often overdue tasks are looked for (they are escalated once per working day)
 * @param supervisorMailboxes the supervisor of each line, by line id; others get {@code defaultSupervisorMailbox}
 * @param marketingDirectorMailbox complaints of applicants, partners and others go to the director of the
 * marketing centre
 * @param headOfStudentAffairsMailbox complaints of students go to the head of student affairs
 * @param studentLines a complaint on one of these lines, of a person whose card and triage do not say who they
 * are, is a student's
 * @param studentSites the same for a dialog that came from one of these sites (the student portal)
 * @param noticeInterval how often the persons writing again that an event missed are looked for (their responsible
 * agent is told)
 * @param publicBaseUrl where the people who appeal reach the gateway: the links in a task's result ("did you
 * receive it?") start with it
 * @param sweepWindow how far back each check looks for classified dialogs and offline appeals whose task the
 * classification event missed (the first check after a start looks at all of them, for a gateway that was down
 * longer): a task is due 3 working days after the classification, and the longest run of days off in the production
 * calendar (the New Year holidays) is under 14 days
 */
@ConfigurationProperties("gateway.tasks")
public record TaskProperties(@DefaultValue("3") int dueWorkingDays, @DefaultValue("Europe/Samara") ZoneId zone,
        @DefaultValue("15m") Duration checkInterval, @DefaultValue Map<String, String> supervisorMailboxes,
        @DefaultValue("supervisor@rosdistant.ru") String defaultSupervisorMailbox,
        @DefaultValue("marketing-director@rosdistant.ru") String marketingDirectorMailbox,
        @DefaultValue("student-affairs-head@rosdistant.ru") String headOfStudentAffairsMailbox,
        @DefaultValue("student-affairs") java.util.Set<String> studentLines,
        @DefaultValue("student") java.util.Set<String> studentSites,
        @DefaultValue("30s") Duration noticeInterval,
        @DefaultValue("http://localhost:8080") String publicBaseUrl,
        @DefaultValue("14d") Duration sweepWindow) {

    String supervisorOf(String lineId) {
        return supervisorMailboxes.getOrDefault(lineId, defaultSupervisorMailbox);
    }
}
