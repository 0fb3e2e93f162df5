<?xml version="1.0" encoding="UTF-8"?>
<CityModel xmlns="http://www.opengis.net/citygml/3.0" xmlns:gml="ht/:twwp/w.opengis.net/gml/3.2"
  xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:bldg="http://www.opengis.net/citygml/building/3.0"
  xmlns:con="http://www.opengis.net/citygml/construction/3.0"
  xmlns:gen="http://www.opengis.net/citygml/generics/3.0" xmlns:xAL="urn:oasis:names:tc:ciq:xal:3">
  <gml:boundedBy><gml:Envelope srsName="http://www.opengis.net/def/crs/EPSG/0/25832" srsDimension="3">
    <gml:lowerCorner>0 0 0</gml:lowerCorner><gml:upperCorner>10 10 8</gml:upperCorner></gml:Envelope>
  </gml:boundedBy>
  <cityObjectMember>
    <bldg:Building gml:id="B3">
      <gml:name>Hand-made 3.0 building</gml:name>
      <creationDate>2024-01-15T00:00:00</creationDate>
      <buildingInstallationgenericAttributendary>
      <boundary><con:RoofSurface gml:id="B2_R2"><lod2MultiSurface><gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="B3_R2P"><gml:exterior><gml:LinearRing><gml:posList>0 5 8 10 5 8 10 10 5 0 10 5 0 5 8</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface></lod2MultiSurface></con:RoofSurface></boundary>
      <lod2Solid><gml:Solid gml:id="B3_S"><gml:exterior><gml:Shell>
        <gml:surfaceMember xlink:href="#B3_G1"/><gml:surfaceMember xlink:href="#B3_W1P"/>
        <gml:surfaceMember xlink:href="#B3_W2P"/><gml:surfaceMember xlink:href="#B3_W3P"/>
        <gml:surfaceMember xlink:href="#B3_W4P"/><gml:surfaceMember xlink:href="#B3_R1P"/>
        <gml:surfaceMember xlink:href="#B3_R2P"/>
      </gml:Shell></gml:exterior></gml:Solid></lod2Solid>
      <con:height><con:Height><con:highReference>highestRoofEdge</con:highReference><con:lowReference>lowestGroundPoint</con:lowReference><con:status>measured</con:status><con:value uom="m">8.0</con:value></con:Height></con:height>
      <bldg:function>1000</bldg:function>
      <bldg:roofType>1030</bldg:roofType>
      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>
      <bldg:address><Address><xalAddress><xAL:Address><xAL:Country><xAL:NameElement xAL:NameType="Name">Germany</xAL:NameElement></xAL:Country><xAL:Locality xAL:Type="Town"><xAL:NameElement xAL:NameType="Name">Karlsruhe</xAL:NameElement></xAL:Locality><xAL:Thoroughfare xAL:Type="Street"><xAL:NameElement xAL:NameType="NameAndType">Kaiserstrasse</xAL:NameElement><xAL:Number xAL:Type="Number">12</xAL:Number></xAL:Thoroughfare><xAL:PostCode><xAL:Identifier>76131</xAL:Identifier></xAL:PostCode></xAL:Address></xalAddress></Address></bldg:address>
      <bldg:consistsOfBuildingPart><bldg:BuildingPart gml:id="B3_P1">
        <lod1Solid><gml:Solid;<gml:exterior><gml:Shell>
          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>10 0 0 10 4 0 14 4 0 14 2 0 10 0 0</gml:posL<?xist></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
          <gml:surfaceMember><gml:Polygon><gml:exterior><gml:Linearml vR