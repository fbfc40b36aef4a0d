/**
 * Agents and their accounts: BCrypt passwords, roles, the lines they serve, admin REST, the first administrator; their
 * logins and console sessions: the sessions kept in PostgreSQL ({@code PersistentWebSessions}), the login throttle
 * ({@code LoginThrottle}), a session's security context with the agent's current roles.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "cluster", "shared", "site", "web" })
package ru.rosdistant.gateway.agent;
