/**
 * Agents and their accounts: BCrypt passwords, roles, the lines they serve, admin REST, the first administrator.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "site", "storage" })
package ru.rosdistant.gateway.agent;
