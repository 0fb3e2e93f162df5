<?xml version="1.0"?>
<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:bldg="http://www.opengis.net/citygml/building/2.0"><wfs:member><bldg:Building gml:id="m1"/></wfs:member><gml:featureMembers><bldg:Building gml:id="m2"/><bldg:Building gml:id="m3"/></gml:featureMembers></wfs:FeatureCollection>
