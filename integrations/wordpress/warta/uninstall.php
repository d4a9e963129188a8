<?php
/**
 * Uninstalling removes the outbox table and the options. The per-post `_warta_revision` meta
 * stays, so a reinstalled plugin (or `warta import wordpress`) keeps revisions increasing.
 *
 * @package warta
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}warta_outbox" );
foreach ( array( 'warta_webhook_url', 'warta_secret', 'warta_post_types', 'warta_default_section', 'warta_sections', 'warta_db_version' ) as $name ) {
	delete_option( $name );
}
wp_clear_scheduled_hook( 'warta_deliver_outbox' );
