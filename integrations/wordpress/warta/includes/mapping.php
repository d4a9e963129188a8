<?php
/**
 * One mapping from a WordPress post to a warta article event: the PHP twin of
 * warta.core.wordpress.map_post (functions/warta/core/wordpress.py). Pure: no WordPress call, so
 * the shared vectors (../tests/vectors/mapping.json) test it with plain php-cli.
 *
 * @package warta
 */

// Limits of the contract (functions/warta/contract/article-event.schema.json).
const WARTA_TITLE_MAX_CHARS   = 500;
const WARTA_SUMMARY_MAX_CHARS = 2000;
const WARTA_TAGS_MAX          = 50;
const WARTA_TAG_MAX_CHARS     = 100;
const WARTA_AUTHORS_MAX       = 20;
const WARTA_PAGES_MAX         = 50;
// WordPress stores this in *_gmt columns of posts never published.
const WARTA_WP_ZERO_DATE = '0000-00-00 00:00:00';
const WARTA_PUBLIC_STATUSES = array( 'publish', 'future' );

function warta_plain( $text ) {
	$text = preg_replace( '/<[^>]*>/u', ' ', (string) $text );
	$text = html_entity_decode( $text, ENT_QUOTES | ENT_HTML5, 'UTF-8' );
	return trim( preg_replace( '/\s+/u', ' ', $text ) );
}

function warta_iso( $gmt ) {
	if ( ! $gmt || WARTA_WP_ZERO_DATE === $gmt ) {
		return null;
	}
	$moment = DateTime::createFromFormat( 'Y-m-d H:i:s', $gmt, new DateTimeZone( 'UTC' ) );
	return $moment ? $moment->format( 'Y-m-d\TH:i:s\Z' ) : null;
}

function warta_unique( $values, $limit, $max_chars ) {
	$seen = array();
	foreach ( (array) $values as $value ) {
		$text = mb_substr( warta_plain( $value ), 0, $max_chars );
		if ( '' !== $text && ! in_array( $text, $seen, true ) ) {
			$seen[] = $text;
		}
	}
	return array_slice( $seen, 0, $limit );
}

/**
 * @param array $post     the post's fields, named as in WordPress (see docs/wordpress.md).
 * @param array $settings sections (id => name), default_section, post_types.
 * @return array ['event' => array|null, 'reason' => string|null]
 */
function warta_map_post( array $post, array $settings ) {
	$post_id = (string) $post['ID'];
	$type    = isset( $post['post_type'] ) ? $post['post_type'] : 'post';
	if ( ! in_array( $type, $settings['post_types'], true ) ) {
		return array( 'event' => null, 'reason' => "post $post_id: post type '$type' is not sent" );
	}
	$revision   = (int) $post['revision'];
	$article_id = "wp-$post_id";
	$event_id   = "$article_id-r$revision";
	$occurred   = warta_iso( isset( $post['post_modified_gmt'] ) ? $post['post_modified_gmt'] : '' );
	if ( null === $occurred ) {
		$occurred = warta_iso( isset( $post['post_date_gmt'] ) ? $post['post_date_gmt'] : '' );
	}
	$status = isset( $post['post_status'] ) ? $post['post_status'] : '';
	$public = in_array( $status, WARTA_PUBLIC_STATUSES, true ) && empty( $post['post_password'] );
	if ( ! $public ) {
		if ( empty( $post['was_public'] ) ) {
			return array( 'event' => null, 'reason' => "post $post_id: status '$status' is not public" );
		}
		return array(
			'event'  => array(
				'spec_version' => '1',
				'event_id'     => $event_id,
				'type'         => 'article.unpublished',
				'occurred_at'  => $occurred ? $occurred : '1970-01-01T00:00:00Z',
				'article'      => array( 'id' => $article_id, 'revision' => $revision ),
			),
			'reason' => null,
		);
	}
	$title = mb_substr( warta_plain( isset( $post['post_title'] ) ? $post['post_title'] : '' ), 0, WARTA_TITLE_MAX_CHARS );
	if ( '' === $title ) {
		return array( 'event' => null, 'reason' => "post $post_id: post_title: empty" );
	}
	$pages = array();
	foreach ( explode( '<!--nextpage-->', isset( $post['post_content'] ) ? $post['post_content'] : '' ) as $page ) {
		$page = trim( $page );
		if ( '' !== $page ) {
			$pages[] = $page;
		}
	}
	$pages = array_slice( $pages, 0, WARTA_PAGES_MAX );
	if ( ! $pages ) {
		return array( 'event' => null, 'reason' => "post $post_id: post_content: empty" );
	}
	$section = null;
	foreach ( isset( $post['categories'] ) ? $post['categories'] : array() as $category ) {
		if ( isset( $category['slug'], $settings['sections'][ $category['slug'] ] ) ) {
			$section = array( 'id' => $category['slug'], 'name' => $settings['sections'][ $category['slug'] ] );
			break;
		}
	}
	$default = isset( $settings['default_section'] ) ? $settings['default_section'] : null;
	if ( null === $section && $default && isset( $settings['sections'][ $default ] ) ) {
		$section = array( 'id' => $default, 'name' => $settings['sections'][ $default ] );
	}
	if ( null === $section ) {
		return array( 'event' => null, 'reason' => "post $post_id: section: no category is a site section and no default section is set" );
	}
	$published_at = warta_iso( isset( $post['post_date_gmt'] ) ? $post['post_date_gmt'] : '' );
	if ( null === $published_at ) {
		return array( 'event' => null, 'reason' => "post $post_id: post_date_gmt: not set" );
	}
	$url = isset( $post['permalink'] ) ? (string) $post['permalink'] : '';
	if ( ! preg_match( '#^https?://#', $url ) ) {
		return array( 'event' => null, 'reason' => "post $post_id: permalink: not an http(s) URL" );
	}
	$article = array(
		'id'           => $article_id,
		'revision'     => $revision,
		'url'          => $url,
		'title'        => $title,
		'section'      => $section,
		'published_at' => $published_at,
		'pages'        => $pages,
	);
	$updated_at = warta_iso( isset( $post['post_modified_gmt'] ) ? $post['post_modified_gmt'] : '' );
	if ( null !== $updated_at && $updated_at > $published_at ) {
		$article['updated_at'] = $updated_at;
	}
	$summary = mb_substr( warta_plain( isset( $post['post_excerpt'] ) ? $post['post_excerpt'] : '' ), 0, WARTA_SUMMARY_MAX_CHARS );
	if ( '' !== $summary ) {
		$article['summary'] = $summary;
	}
	$tags = warta_unique( isset( $post['tags'] ) ? $post['tags'] : array(), WARTA_TAGS_MAX, WARTA_TAG_MAX_CHARS );
	if ( $tags ) {
		$article['tags'] = $tags;
	}
	$authors = warta_unique( isset( $post['authors'] ) ? $post['authors'] : array(), WARTA_AUTHORS_MAX, 200 );
	if ( $authors ) {
		$article['authors'] = array_map(
			function ( $name ) {
				return array( 'name' => $name );
			},
			$authors
		);
	}
	$image = isset( $post['featured_image'] ) ? $post['featured_image'] : null;
	if ( $image && preg_match( '#^https?://#', (string) $image['url'] ) ) {
		$article['image'] = array( 'url' => $image['url'] );
		foreach ( array( 'width', 'height' ) as $key ) {
			if ( isset( $image[ $key ] ) && (int) $image[ $key ] >= 1 ) {
				$article['image'][ $key ] = (int) $image[ $key ];
			}
		}
		if ( ! empty( $image['alt'] ) ) {
			$article['image']['alt'] = mb_substr( warta_plain( $image['alt'] ), 0, 1000 );
		}
	}
	return array(
		'event'  => array(
			'spec_version' => '1',
			'event_id'     => $event_id,
			'type'         => 'article.published',
			'occurred_at'  => $occurred ? $occurred : $published_at,
			'article'      => $article,
		),
		'reason' => null,
	);
}
