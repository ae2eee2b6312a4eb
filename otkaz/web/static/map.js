// The dashboard map: country outlines shipped with otkaz (tiles only when configured),
// incidents as circles sized by the people involved and coloured by type, clustered.
"use strict";

(function () {
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") return;
  var colours = JSON.parse(element.dataset.colours);
  var note = document.getElementById("map-note");

  // markercluster needs a maxZoom even when no tile layer sets one.
  var map = L.map(element, { worldCopyJump: true, zoomSnap: 0.5, minZoom: 2, maxZoom: 14 }).setView([54, 50], 3);
  map.attributionControl.setPrefix(false);

  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(map);
  }

  fetch(element.dataset.outlines)
    .then(function (response) { return response.json(); })
    .then(function (topology) {
      var countries = topojson.feature(topology, topology.objects.countries);
      var outlines = L.geoJSON(countries, {
        interactive: false,
        style: {
          color: "#8b98a7",
          weight: 0.6,
          fillColor: element.dataset.tiles ? "transparent" : "#f4f1ea",
          fillOpacity: element.dataset.tiles ? 0 : 1,
        },
      }).addTo(map);
      outlines.bringToBack();
    })
    .catch(function () { /* the markers still show without outlines */ });

  function radius(people) {
    return Math.min(26, 5 + 2.4 * Math.sqrt(people || 1));
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  // Built from DOM nodes with textContent: nothing from the data is parsed as HTML.
  function popup(point) {
    var box = document.createElement("div");
    box.className = "popup";
    var link = text("a", point.type_label, "popup-title");
    link.href = "/incidents/" + encodeURIComponent(point.id);
    box.appendChild(link);
    box.appendChild(text("div", point.place));
    box.appendChild(text("div", point.date + " · " + point.count + " people", "popup-meta"));
    return box;
  }

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 30 : n < 100 ? 38 : 46;
    var icon = L.divIcon({
      html: "<span>" + Number(n) + "</span>",
      className: "cluster" + (n < 10 ? " cluster-s" : n < 100 ? " cluster-m" : " cluster-l"),
      iconSize: L.point(size, size),
    });
    return icon;
  }

  fetch(element.dataset.points, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var group = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 36,
        spiderfyOnMaxZoom: true,
        iconCreateFunction: clusterIcon,
      });
      data.points.forEach(function (point) {
        var marker = L.circleMarker([point.lat, point.lon], {
          radius: radius(point.people),
          color: "#ffffff",
          weight: 1.2,
          fillColor: colours[point.type] || "#555555",
          fillOpacity: 0.85,
        });
        marker.bindPopup(popup(point));
        marker.bindTooltip(point.type_label + " · " + point.place, { direction: "top" });
        group.addLayer(marker);
      });
      map.addLayer(group);
      if (data.points.length) {
        map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 6 });
      }
      element.dataset.loaded = String(data.points.length);
      if (data.without_place) {
        note.textContent = data.without_place + " incident" + (data.without_place === 1 ? " has" : "s have") +
          " no place with coordinates and " + (data.without_place === 1 ? "is" : "are") + " not on the map.";
      }
    })
    .catch(function () { note.textContent = "The map could not load its incidents."; });
})();
