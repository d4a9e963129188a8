<?php
/**
 * Uninstalling (WordPress runs this file with WP_UNINSTALL_PLUGIN defined) removes the outbox
 * table, the options, the scheduled retries and the editor's "not sent" reasons. The per-post
 * `_warta_revision` and `_warta_public` meta stay: a reinstalled plugin (or `warta import
 * wordpress`) keeps revisions increasing, and still sends the takedown of a post warta shows.
 *
 * @package warta
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}warta_outbox" );
foreach ( array( 'warta_webhook_url', 'warta_secret', 'warta_post_types', 'warta_default_section', 'warta_sections', 'warta_db_version' ) as $name ) {
	delete_option( $name );
}
foreach ( array( 'warta_deliver_outbox', 'warta_deliver_outbox_now' ) as $hook ) {
	wp_clear_scheduled_hook( $hook );
}
delete_post_meta_by_key( '_warta_reason' ); // why a save sent nothing: shown by the plugin only
