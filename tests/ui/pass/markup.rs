//! The checking `html!` accepts every Datastar 1.0 attribute as the client reads it, and leaves
//! everything else alone; its output is maud's.

use datastar_runtime::prelude::*;

const BASE: &str = "/examples/todomvc";

/// Every Datastar attribute the gallery writes, as it writes them.
fn gallery(id: u32, title: &str, url: &str, name: &str, signal: &str) -> Markup {
    html! {
        div data-signals="{input: '', title: '', filter: 'all'}" {}
        input #new_todo placeholder="What needs to be done?" autofocus data-bind:input
            data-on:keydown={"evt.key === 'Enter' && @post(" (js(&format!("{BASE}/add"))) ")"};
        input #toggle_all type="checkbox" data-on:change={"@post(" (js(&format!("{BASE}/toggle_all"))) ")"};
        button data-on:click={"$filter = " (js(name)) "; @get(" (js(&format!("{BASE}/app"))) ")"} { (name) }
        input.edit data-signals:title=(js(title)) data-bind:title
            data-on:keydown={"evt.key === 'Enter' && @put(" (js(url)) "); evt.key === 'Escape' && @get(" (js(&format!("{BASE}/app"))) ")"};
        label.title data-on:dblclick={"@get(" (js(&format!("{url}/edit"))) ")"} { (title) }
        input #search type="text" data-bind:search data-indicator:searching
            "data-on:input__debounce.200ms"="@get('/examples/active_search/search')";
        span #spinner data-show="$searching" style="display: none" { "Searching…" }
        div #contact_1 data-init="@get('/examples/click_to_edit/contact/1')" {}
        div id={"contact_" (id)} data-signals=(js(&[("first", title)])) {}
        input type="text" name=(signal) data-bind=(signal);
        div #click_to_load data-signals:offset=(js(&10)) {}
        button #load_more data-on:click="@get('/examples/click_to_load/more')"
            data-indicator:loading data-attr:disabled="$loading" {}
        div #live_feed data-signals:message="''" data-init="@get('/examples/live_feed/updates')" {}
        button #start data-on:click="@post('/examples/progress_bar/start')" { "Start job" }
    }
}

/// One of each plugin of the 1.0.1 client, with keys and modifiers where it takes them.
fn every_plugin() -> Markup {
    html! {
        button data-attr:disabled="$busy" data-attr="{title: $title}" {}
        input data-bind:first-name data-bind="email" "data-bind:last-name__case.camel";
        li data-class:done="$done" data-class="{hidden: !$open}" {}
        div data-computed:total="$price * $count" "data-computed:full-name__case.kebab"="$first + $last" {}
        div data-effect="console.log($total)" {}
        button data-indicator:fetching data-indicator="saving" {}
        div data-init="@get('/feed')" "data-init__delay.500ms"="@get('/later')" {}
        pre data-json-signals {}
        pre data-json-signals__terse="{include: /^user/}" {}
        button data-on:click="@post('/save')" data-on:click__once__prevent="$n++" {}
        input "data-on:input__debounce.200ms.leading"="@get('/search')" data-on:keydown__window="$k = evt.key";
        div data-on:my-event="$got = evt.detail" data-on:click__outside__capture="$open = false" {}
        div data-on-intersect="$seen = true" data-on-intersect__once__half="@get('/more')" {}
        div data-on-interval="$tick++" "data-on-interval__duration.500ms.leading"="$tick++" {}
        div data-on-signal-patch="console.log(patch)" data-on-signal-patch-filter="{include: /^count$/}" {}
        input data-ref:search data-ref="field";
        p data-show="$open" {}
        div data-signals:count="0" data-signals="{user: {name: ''}}" "data-signals:user.email"="''"
            data-signals__ifmissing="{theme: 'dark'}" "data-signals:page-size__case.camel"="20" {}
        p data-style:color="$color" data-style="{display: $open ? 'block' : 'none'}" {}
        span data-text="$count" {}
        span data-text="@peek(() => $count)" data-on:click="@setAll(true, {include: /^todo/}); @toggleAll({include: /^x/})" {}
        button data-on:click="@patch('/a'); @delete('/b'); @put('/c'); @clipboard('hi'); @fit($v, 0, 1, 0, 100)" {}
        div data-ignore { "untouched" }
        div data-ignore__self {}
        div data-ignore-morph {}
        details data-preserve-attr="open" {}
    }
}

/// Plain data attributes, Pro attributes, opt-outs and splices that are safe.
fn everything_else(items: &[(u32, &str)], open: bool) -> Markup {
    let action = format!("@get('{BASE}/app')");
    html! {
        tr data-id="7" data-row="3" data-testid="row" data-user-id=(items.len()) data-x {}
        div data-persist="theme" data-replace-url="'/x'" {}
        div #[unchecked] data-shwo="kept" {}
        button data-on:click=(raw_expr(&action)) data-show=(&js(&open)) {}
        span data-text=[items.first().map(|(id, _)| js(id))] data-id=[items.first().map(|(id, _)| id)] {}
        @for (id, title) in items {
            @let url = format!("{BASE}/{id}");
            @if let Some(first) = title.chars().next() {
                li data-text=(js(&first)) data-on:click={"@delete(" (js(&url)) ")"} {}
            } @else if open {
                li data-show="$open" {}
            } @else {
                li {}
            }
            @match *id {
                0 => span data-text="'none'" {},
                n if n > 10 => { span data-text=(js(&n)) {} }
                _ => "",
            }
        }
        p data-text={"$" @if open { "a" } @else { "b" }} {}
    }
}

fn main() {
    let out = gallery(1, "🖕JS_$`_DS🚀", "/t/1", "all", "first").into_string();
    assert!(out.contains(r#"data-signals:title="&quot;\ud83d\udd95JS_\u0024\u0060_DS\ud83d\ude80&quot;""#), "{out}");
    assert!(!every_plugin().into_string().is_empty());
    let out = everything_else(&[(1, "a"), (11, "")], true).into_string();
    assert!(out.contains(r#"<div data-shwo="kept"></div>"#), "{out}");
    assert!(out.contains(r#"data-on:click="@get('/examples/todomvc/app')""#), "{out}");
    // The checking html! writes exactly what maud writes.
    let name = "Ada";
    assert_eq!(
        html! { p.a #b data-text=(js(name)) data-id=(name) { (name) } }.into_string(),
        maud::html! { p.a #b data-text=(js(name)) data-id=(name) { (name) } }.into_string(),
    );
    let beta = {
        use datastar_runtime::beta::html;
        html! { button data-on-click={"@post(" (js("/go")) ")"} {} }
    };
    assert_eq!(beta.into_string(), r#"<button data-on-click="@post(&quot;/go&quot;)"></button>"#);
}
