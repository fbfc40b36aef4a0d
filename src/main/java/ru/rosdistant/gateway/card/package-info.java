/**
 * Cards (leads and contacts): identification, binding dialogs, transcripts, search, edit, merge, what each member
 * of staff may see, and the audit record.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "cluster", "dialog", "mail", "shared", "site", "web" })
package ru.rosdistant.gateway.card;
