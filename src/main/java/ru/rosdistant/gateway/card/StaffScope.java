package ru.rosdistant.gateway.card;

import java.util.List;

import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.Role;

/**
 * What personal data a member of staff may see: an ADMIN everything; anyone else (agent, dispatcher,
 * supervisor) what belongs to their lines, plus the dialogs assigned to them and the tasks they own. A card
 * belongs to the lines where the person has dialogs, offline forms or tasks. What lies outside is answered
 * as if it did not exist (404), so a probe learns nothing.
 */
public record StaffScope(long agentId, boolean everything, List<String> lines) {

    public static StaffScope of(Agent agent) {
        return new StaffScope(agent.id(), agent.has(Role.ADMIN), List.copyOf(agent.lines()));
    }

    public boolean coversLine(String line) {
        return everything || lines.contains(line);
    }
}
