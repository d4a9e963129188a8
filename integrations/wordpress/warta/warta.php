<?php
/**
 * Plugin Name: warta
 * Description: Sends every publish, update, schedule and takedown to warta's webhook, signed, through an outbox: no event is lost when warta is down.
 * Version: 0.1.0
 * Requires at least: 6.1
 * Requires PHP: 7.4
 * License: MIT
 *
 * @package warta
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/includes/mapping.php';
require_once __DIR__ . '/includes/delivery.php';

const WARTA_DB_VERSION  = '1';
const WARTA_REVISION_META = '_warta_revision'; // the last revision sent; `warta import wordpress` reads it
const WARTA_PUBLIC_META = '_warta_public';     // '1' while warta shows the post
const WARTA_REASON_META = '_warta_reason';     // why the last save sent nothing, for the editor
const WARTA_CRON_HOOK   = 'warta_deliver_outbox';
const WARTA_SEND_TIMEOUT_SECONDS = 10;
const WARTA_BATCH = 50;

function warta_outbox_table() {
	global $wpdb;
	return $wpdb->prefix . 'warta_outbox';
}

function warta_install() {
	global $wpdb;
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$table   = warta_outbox_table();
	$charset = $wpdb->get_charset_collate();
	dbDelta(
		"CREATE TABLE $table (
		id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
		post_id bigint(20) unsigned NOT NULL,
		event_id varchar(200) NOT NULL,
		body longtext NOT NULL,
		status varchar(10) NOT NULL DEFAULT 'pending',
		attempts int unsigned NOT NULL DEFAULT 0,
		next_attempt_gmt datetime NOT NULL,
		last_error text NULL,
		created_gmt datetime NOT NULL,
		PRIMARY KEY  (id),
		UNIQUE KEY event_id (event_id),
		KEY status_next (status, next_attempt_gmt)
		) $charset;"
	);
	update_option( 'warta_db_version', WARTA_DB_VERSION );
	if ( ! wp_next_scheduled( WARTA_CRON_HOOK ) ) {
		wp_schedule_event( time(), 'warta_minute', WARTA_CRON_HOOK );
	}
}
register_activation_hook( __FILE__, 'warta_install' );

// Deactivating stops the retries but keeps the outbox; uninstall.php removes it. Activating
// again schedules the retries again: what was pending is sent then.
register_deactivation_hook(
	__FILE__,
	function () {
		wp_clear_scheduled_hook( WARTA_CRON_HOOK );
		wp_clear_scheduled_hook( WARTA_CRON_HOOK . '_now' );
	}
);

add_filter(
	'cron_schedules',
	function ( $schedules ) {
		$schedules['warta_minute'] = array( 'interval' => 60, 'display' => 'Every minute (warta outbox)' );
		return $schedules;
	}
);

/** A section's name from an "id = Name" line, site.toml's quotes ("Gaya Hidup") dropped. */
function warta_section_name( $name ) {
	$name = trim( (string) $name );
	return preg_match( '/^"(.*)"$/s', $name, $quoted ) ? trim( $quoted[1] ) : $name;
}

function warta_settings() {
	$sections = array();
	foreach ( preg_split( '/\R/', (string) get_option( 'warta_sections', '' ) ) as $line ) {
		$parts = array_map( 'trim', explode( '=', $line, 2 ) );
		if ( 2 === count( $parts ) && '' !== $parts[0] && '' !== warta_section_name( $parts[1] ) ) {
			$sections[ $parts[0] ] = warta_section_name( $parts[1] );
		}
	}
	$types = array_filter( array_map( 'trim', explode( ',', (string) get_option( 'warta_post_types', 'post' ) ) ) );
	return array(
		'sections'        => $sections,
		'default_section' => get_option( 'warta_default_section', '' ) ? get_option( 'warta_default_section' ) : null,
		'post_types'      => $types ? array_values( $types ) : array( 'post' ),
	);
}

/**
 * The next revision of a post: warta_revision_after()'s rule (above every earlier one even for
 * two saves in one second, at least the save time in milliseconds) in one SQL statement, atomic
 * across concurrent saves; LAST_INSERT_ID(expr) hands the value back on this connection.
 */
function warta_next_revision( $post_id ) {
	global $wpdb;
	$now_ms = (int) floor( microtime( true ) * 1000 );
	for ( $try = 0; $try < 2; $try++ ) {
		$updated = $wpdb->query(
			$wpdb->prepare(
				"UPDATE $wpdb->postmeta SET meta_value = LAST_INSERT_ID(GREATEST(CAST(meta_value AS UNSIGNED) + 1, %d))
				WHERE post_id = %d AND meta_key = %s",
				$now_ms,
				$post_id,
				WARTA_REVISION_META
			)
		);
		if ( $updated ) {
			wp_cache_delete( $post_id, 'post_meta' );
			return (int) $wpdb->get_var( 'SELECT LAST_INSERT_ID()' );
		}
		$first = warta_revision_after( 0, $now_ms );
		if ( add_post_meta( $post_id, WARTA_REVISION_META, (string) $first, true ) ) {
			return $first;
		}
	}
	return $now_ms;
}

function warta_post_fields( WP_Post $post, $status = null ) {
	$categories = array();
	foreach ( (array) get_the_category( $post->ID ) as $term ) {
		$categories[] = array( 'slug' => $term->slug, 'name' => $term->name );
	}
	$authors = array();
	if ( function_exists( 'get_coauthors' ) ) { // Co-Authors Plus
		foreach ( get_coauthors( $post->ID ) as $coauthor ) {
			$authors[] = $coauthor->display_name;
		}
	}
	if ( ! $authors ) {
		$authors[] = get_the_author_meta( 'display_name', $post->post_author );
	}
	$image    = null;
	$image_id = get_post_thumbnail_id( $post );
	if ( $image_id ) {
		$source = wp_get_attachment_image_src( $image_id, 'full' );
		if ( $source ) {
			$image = array(
				'url'    => $source[0],
				'width'  => (int) $source[1],
				'height' => (int) $source[2],
				'alt'    => (string) get_post_meta( $image_id, '_wp_attachment_image_alt', true ),
			);
		}
	}
	return array(
		'ID'                => $post->ID,
		'post_type'         => $post->post_type,
		'post_status'       => $status ? $status : $post->post_status,
		'post_password'     => $post->post_password,
		'was_public'        => '1' === get_post_meta( $post->ID, WARTA_PUBLIC_META, true ),
		'post_title'        => $post->post_title,
		'post_content'      => $post->post_content,
		'post_excerpt'      => $post->post_excerpt,
		'post_date_gmt'     => $post->post_date_gmt,
		'post_modified_gmt' => $post->post_modified_gmt,
		'permalink'         => 'future' === $post->post_status ? get_permalink( get_post( $post->ID ) ) : get_permalink( $post ),
		'categories'        => $categories,
		'tags'              => wp_get_post_tags( $post->ID, array( 'fields' => 'names' ) ),
		'authors'           => $authors,
		'featured_image'    => $image,
	);
}

/** Writes the post's event to the outbox in the saving request; sending happens after it. */
function warta_enqueue( WP_Post $post, $status = null ) {
	global $wpdb;
	$settings = warta_settings();
	if ( ! in_array( $post->post_type, $settings['post_types'], true ) || wp_is_post_revision( $post ) ) {
		return;
	}
	unset( $GLOBALS['warta_changed_meta'][ $post->ID ] ); // this event carries the change
	$fields             = warta_post_fields( $post, $status );
	$fields['revision'] = warta_next_revision( $post->ID );
	$mapped             = warta_map_post( $fields, $settings );
	if ( null === $mapped['event'] ) {
		update_post_meta( $post->ID, WARTA_REASON_META, $mapped['reason'] );
		return;
	}
	delete_post_meta( $post->ID, WARTA_REASON_META );
	$now = gmdate( 'Y-m-d H:i:s' );
	$wpdb->insert(
		warta_outbox_table(),
		array(
			'post_id'          => $post->ID,
			'event_id'         => $mapped['event']['event_id'],
			'body'             => wp_json_encode( $mapped['event'], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ),
			'status'           => 'pending',
			'next_attempt_gmt' => $now,
			'created_gmt'      => $now,
		)
	);
	update_post_meta( $post->ID, WARTA_PUBLIC_META, 'article.published' === $mapped['event']['type'] ? '1' : '0' );
	$GLOBALS['warta_enqueued'] = true;
}

add_action(
	'wp_after_insert_post',
	function ( $post_id, $post ) {
		if ( 'auto-draft' !== $post->post_status && 'inherit' !== $post->post_status ) {
			warta_enqueue( $post );
		}
	},
	10,
	2
);
add_action(
	'before_delete_post',
	function ( $post_id, $post ) {
		if ( $post instanceof WP_Post ) {
			warta_enqueue( $post, 'deleted' );
		}
	},
	10,
	2
);

// A featured image set or removed without saving the post: the classic editor's "Set featured
// image" writes the meta at once (wp_ajax_set_post_thumbnail) and the site shows it. The post is
// sent again at the end of the request, unless a save later in the request already sent it.
function warta_meta_changed( $meta_ids, $post_id, $meta_key ) {
	if ( '_thumbnail_id' === $meta_key ) {
		$GLOBALS['warta_changed_meta'][ (int) $post_id ] = true;
	}
}
foreach ( array( 'added_post_meta', 'updated_post_meta', 'deleted_post_meta' ) as $warta_meta_hook ) {
	add_action( $warta_meta_hook, 'warta_meta_changed', 10, 3 );
}

function warta_enqueue_changed_meta() {
	$changed = isset( $GLOBALS['warta_changed_meta'] ) ? array_keys( $GLOBALS['warta_changed_meta'] ) : array();
	foreach ( $changed as $post_id ) {
		$post = get_post( $post_id );
		if ( $post && in_array( $post->post_status, WARTA_PUBLIC_STATUSES, true ) ) {
			warta_enqueue( $post );
		}
	}
	$GLOBALS['warta_changed_meta'] = array();
}

// Sent right after the response: the editor never waits on warta. Where the server cannot end
// the response early (no FastCGI), WP-Cron's non-blocking spawn sends it instead.
add_action(
	'shutdown',
	function () {
		warta_enqueue_changed_meta();
		if ( empty( $GLOBALS['warta_enqueued'] ) ) {
			return;
		}
		if ( function_exists( 'fastcgi_finish_request' ) && fastcgi_finish_request() ) {
			warta_deliver();
			return;
		}
		wp_schedule_single_event( time(), WARTA_CRON_HOOK . '_now' );
		spawn_cron();
	}
);
add_action( WARTA_CRON_HOOK, 'warta_deliver' );
add_action( WARTA_CRON_HOOK . '_now', 'warta_deliver' );

/** Sends due outbox rows, oldest first; warta_delivery_result() says what each answer does. */
function warta_deliver() {
	global $wpdb;
	$url    = (string) get_option( 'warta_webhook_url', '' );
	$secret = (string) get_option( 'warta_secret', '' );
	if ( '' === $url || '' === $secret ) {
		return;
	}
	$table = warta_outbox_table();
	$rows  = $wpdb->get_results(
		$wpdb->prepare( "SELECT * FROM $table WHERE status = 'pending' AND next_attempt_gmt <= %s ORDER BY id LIMIT %d", gmdate( 'Y-m-d H:i:s' ), WARTA_BATCH )
	);
	foreach ( $rows as $row ) {
		$now      = time();
		$response = wp_remote_post(
			$url,
			array(
				'timeout' => WARTA_SEND_TIMEOUT_SECONDS,
				'headers' => warta_signed_headers( $secret, $now, $row->body ),
				'body'    => $row->body,
			)
		);
		$no_answer = is_wp_error( $response );
		$result    = warta_delivery_result(
			$row->attempts,
			$no_answer ? 0 : wp_remote_retrieve_response_code( $response ),
			$no_answer ? '' : wp_remote_retrieve_body( $response ),
			$no_answer ? $response->get_error_message() : '',
			$now
		);
		$wpdb->update( $table, $result, array( 'id' => $row->id ) );
	}
}

if ( is_admin() ) {
	require_once __DIR__ . '/includes/admin.php';
}
