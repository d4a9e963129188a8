<?php
/**
 * The plugin's lifecycle through WordPress's own functions, one phase a run (a request each, as
 * in the admin): argv[1] is the phase; each prints what is left after it (below).
 * - "save" WARTA_URL SECRET: a post saved; its event stays pending (this run's own WP-Cron spawn
 *   cannot reach the site's host);
 * - "deactivate": deactivate_plugins(), as Plugins -> Deactivate runs it;
 * - "activate": activate_plugin(), and the retries' backoff run out (the plugin was off for a
 *   while); WP-Cron then runs from the test's request to wp-cron.php;
 * - "uninstall": deactivated, then uninstall_plugin() as Plugins -> Delete runs it (the files are
 *   not deleted: they are the repository's);
 * - "state": nothing but that print: whether the plugin is active, its tables, options,
 *   scheduled hooks, outbox rows, and the post meta it wrote.
 */
$_SERVER['HTTP_HOST']   = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require getenv( 'WP_ROOT' ) . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
global $wpdb;
$phase  = $argv[1];
$plugin = 'warta/warta.php';
$table  = $wpdb->prefix . 'warta_outbox';

function e2e_fail( $message ) {
	fwrite( STDERR, $message . "\n" );
	exit( 1 );
}

if ( 'save' === $phase ) {
	update_option( 'warta_webhook_url', $argv[2] );
	update_option( 'warta_secret', $argv[3] );
	$category = get_term_by( 'slug', 'nasional', 'category' );
	$id       = wp_insert_post( array( 'post_title' => 'Kereta cepat menambah jadwal', 'post_content' => '<p>Isi.</p>', 'post_status' => 'publish', 'post_category' => array( $category->term_id ), 'post_author' => 1 ) );
	update_option( 'e2e_lifecycle_post', $id );
} elseif ( 'deactivate' === $phase ) {
	deactivate_plugins( $plugin );
} elseif ( 'activate' === $phase ) {
	$activated = activate_plugin( $plugin );
	if ( is_wp_error( $activated ) ) {
		e2e_fail( $activated->get_error_message() );
	}
	$wpdb->query( "UPDATE $table SET next_attempt_gmt = UTC_TIMESTAMP() WHERE status = 'pending'" );
	// The test's own runs spawned WP-Cron before (blocked: the site's host is not this machine),
	// leaving its lock, which WordPress lets expire after a minute.
	delete_transient( 'doing_cron' );
} elseif ( 'uninstall' === $phase ) {
	deactivate_plugins( $plugin );
	if ( ! uninstall_plugin( $plugin ) ) {
		e2e_fail( 'uninstall_plugin: no uninstall.php' );
	}
} elseif ( 'state' !== $phase ) {
	e2e_fail( "unknown phase $phase" );
}

$hooks = array();
foreach ( (array) _get_cron_array() as $events ) {
	foreach ( (array) $events as $hook => $unused ) {
		if ( 0 === strpos( $hook, 'warta' ) ) {
			$hooks[] = $hook;
		}
	}
}
$tables = $wpdb->get_col( $wpdb->prepare( 'SHOW TABLES LIKE %s', '%warta%' ) );
echo wp_json_encode(
	array(
		'active'  => is_plugin_active( $plugin ),
		'tables'  => $tables,
		'options' => $wpdb->get_col( "SELECT option_name FROM $wpdb->options WHERE option_name LIKE 'warta%' ORDER BY option_name" ),
		'hooks'   => array_values( array_unique( $hooks ) ),
		'rows'    => in_array( $table, $tables, true ) ? $wpdb->get_results( "SELECT post_id, status FROM $table ORDER BY id", ARRAY_A ) : null,
		'meta'    => $wpdb->get_results( "SELECT meta_key, COUNT(*) AS n FROM $wpdb->postmeta WHERE meta_key LIKE '\\_warta%' GROUP BY meta_key", OBJECT_K ),
		'post'    => (int) get_option( 'e2e_lifecycle_post' ),
	),
	JSON_UNESCAPED_SLASHES
);
